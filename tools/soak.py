#!/usr/bin/env python3
"""Soak test for the bert-tutor TUI: random keys for a long time, no panic, no memory growth.

Runs the binary in a detached tmux session (own server, 120x40 at first) with training on, a throwaway
lesson-progress dir (BERT_TUTOR_STATE_DIR) and a temp cwd (for `S`). Every --interval s it sends one
key from a weighted, seeded MENU: stages, cursor, focus, pause/step, learning rate (with `+` bursts
to the 1.0 cap, which must not crash), reset, save, masking, pairs, task, lessons, quiz answers, help,
and A/B edits with non-ASCII text; every ~20 s it resizes the window to 60x16..200x60. `q` and
Ctrl-C are never sent, Esc only where it cannot quit (see LESSON_ESC). It fails if the pane shows
`panicked` or `EXITED:` or the process is gone, or if `q` at the end does not give `EXITED:0`. VmRSS
is sampled every --sample-every s (`t_seconds,rss_kib` lines, also to --csv); it is flat if the
median of the last third of samples is under 10% above that of the second third. RSS steps up once
in the first minutes (first task switches with `o`), so judge memory on long runs. Exit 0 = pass.

    python3 tools/soak.py --binary target/release/bert-tutor --minutes 30 --csv rss.csv
"""
import argparse, os, random, re, shlex, shutil, signal, statistics, subprocess, sys, tempfile, time
from collections import deque
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEXT = list("abcdefgxyz ABC 0123456789 .,;'!?-") + [  # no q: typed outside an editor it would quit
    "é", "ü", "ñ", "ß", "中", "文", "🙂", "👩‍👩‍👧", "e\u0301", "שלום", "  ", "[MASK]", "[SEP]"]
# (weight, key or macro name). Plain strings are sent literally; names in KEYS are tmux key names.
KEYS = {"Left", "Right", "Up", "Down", "Tab", "BTab", "Space", "Enter", "BSpace", "Home", "End", "Escape"}
MENU = [(8, k) for k in "12345678"] + [
    (10, "Left"), (10, "Right"), (3, "h"), (3, "l"), (8, "Up"), (8, "Down"), (3, "j"), (3, "k"), (5, "Tab"),
    (4, "Space"), (6, "."), (6, "r"), (8, "m"), (3, "Enter"), (4, "t"), (4, "w"), (4, "x"), (3, "o"),
    (5, "n"), (5, "N"), (3, "+"), (1, "=::burst"), (4, "-"), (1, "R"), (1, "S"), (3, "L"), (4, "]"),
    (3, "["), (2, "A::answer"), (3, "a::lesson-esc"), (2, "?::help"), (8, "a::edit"), (8, "b::edit"),
]
# Every macro leaves no editor or help open, so Esc is safe in an editor `a`/`b` just opened and right
# after `?`. To hide the lesson pane, LESSON_ESC types a unique tag into a fresh editor and waits for
# it on screen (the app has then caught up), reads the key line, and sends Esc (cancel) plus a second
# Esc only if the lesson pane is showing.
LESSON_ESC = "<esc if lesson pane>"


def macro(item, rng):
    """The keys one menu item expands to (sent one per interval)."""
    key, _, kind = item.partition("::")
    if kind == "burst":  # learning rate up to its cap of 1.0, where steps can blow up
        return ["+"] * rng.randint(6, 20)
    if kind == "answer":  # opens the quiz field only on a quiz step; otherwise these are plain keys
        return ["A", str(rng.choice([0, 1, 2, 3, 0.5, 12, -1])), "Enter"]
    if kind == "help":  # help: any key closes it, Esc included (q would quit)
        return ["?", rng.choice(["Escape", "Up", "Space", "x", "?"])]
    if kind == "lesson-esc":
        return ["a", "Home", LESSON_ESC]
    if kind == "edit":
        keys = [key]
        for _ in range(rng.randint(1, 8)):
            keys.append(rng.choice(["BSpace", "Left", "Right", "Home", "End"]) if rng.random() < 0.2
                        else "".join(rng.choices(TEXT, k=rng.randint(1, 12 if rng.random() < 0.9 else 80))))
        return keys + [rng.choice(["Enter", "Enter", "Escape"])]
    return [key]


class Fail(Exception):
    """The app crashed, exited or misbehaved."""


class Tmux:
    """One tmux server on its own socket (killing it touches no other session)."""

    def __init__(self, name, socket):
        self.name, self.sock = name, ["tmux", "-S", str(socket)]

    def __call__(self, *args, check=True):
        r = subprocess.run(self.sock + list(args), capture_output=True, text=True)
        if check and r.returncode:
            raise Fail(f"tmux {' '.join(args)}: {r.stderr.strip()}")
        return r.stdout

    def send(self, key):
        self("send-keys", "-t", self.name, *([key] if key in KEYS else ["-l", "--", key]))

    def screen(self, history=0):
        return self("capture-pane", "-p", "-t", self.name, "-S", str(-history), check=False)


def app_pid(shell_pid, binary):
    """The pid of the binary among the children of the pane's shell."""
    for _ in range(50):
        for d in Path("/proc").glob("[0-9]*"):
            try:  # /proc/PID/stat: "pid (comm) state ppid ..."
                if int((d / "stat").read_text().rsplit(")", 1)[1].split()[1]) == shell_pid \
                        and os.path.realpath(d / "exe") == binary:
                    return int(d.name)
            except (OSError, IndexError, ValueError):
                pass
        time.sleep(0.2)
    raise Fail("the app process did not appear under the tmux pane")


def rss_kib(pid):
    """VmRSS in KiB, or None if the process is gone (a zombie has no VmRSS line)."""
    try:
        m = re.search(r"^VmRSS:\s+(\d+)", Path(f"/proc/{pid}/status").read_text(), re.M)
    except OSError:
        return None
    return int(m.group(1)) if m else None


def wait_for(tmux, pattern, timeout, history=0):
    """The screen once it matches `pattern`, or None after `timeout` seconds."""
    for _ in range(int(timeout * 10)):
        if re.search(pattern, screen := tmux.screen(history)):
            return screen
        time.sleep(0.1)


def lesson_escape(tmux, tag, timeout=20.0):
    """In an editor just opened (cursor at Home): type `tag`, wait until it shows, cancel with Esc,
    and Esc again if the key line shows the lesson pane. Returns the keys sent and the wait."""
    tmux.send(tag)
    t0, keys = time.time(), [tag, "Escape"]
    screen = wait_for(tmux, f"› {tag}|enlarge the terminal", timeout) or ""
    if f"› {tag}" in screen and "] next  [ back" in [l for l in screen.splitlines() if l.strip()][-1]:
        keys.append("Escape")
    for k in keys[1:]:
        tmux.send(k), time.sleep(0.1)
    return keys, time.time() - t0


def check(tmux, pid):
    """The screen; Fail if it shows a panic or an exit, or the process is gone."""
    if "panicked" in (screen := tmux.screen()) or "EXITED:" in screen or rss_kib(pid) is None:
        raise Fail("the app panicked, exited or is gone")
    return screen


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--binary", default=str(ROOT / "target/release/bert-tutor"))
    ap.add_argument("--minutes", type=float, default=30)
    ap.add_argument("--interval", type=float, default=0.2)
    ap.add_argument("--sample-every", type=float, default=30)
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--csv", default=None)
    args = ap.parse_args()
    binary = os.path.realpath(args.binary)
    if not os.access(binary, os.X_OK):
        sys.exit(f"not an executable: {binary}")
    seed = args.seed if args.seed is not None else random.randrange(1 << 32)
    rng = random.Random(seed)
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # kill cleans up as Ctrl-C does
    csv = open(args.csv, "w") if args.csv else None
    for out in filter(None, (sys.stdout, csv)):
        print("t_seconds,rss_kib", file=out)
    name, tmp = f"soak-{os.getpid()}-{seed}", Path(tempfile.mkdtemp(prefix="bert-soak-"))
    (tmp / "state").mkdir(), (tmp / "cwd").mkdir()
    tmux = Tmux(name, tmp / "tmux.sock")
    samples, sent, lesson_escs, lag, last, ok = [], 0, 0, 0.0, deque(maxlen=30), False
    screen, start = "", time.time()
    print(f"soak: seed {seed}, {args.minutes} min, session {name}, tmp {tmp}", flush=True)
    try:
        cmd = (f"BERT_TUTOR_STATE_DIR={shlex.quote(str(tmp / 'state'))} {shlex.quote(binary)}; "
               "echo EXITED:$?; sleep 3600")
        tmux("new-session", "-d", "-s", name, "-x", "120", "-y", "40", "-c", str(tmp / "cwd"), cmd)
        tmux("set-option", "-t", name, "window-size", "manual")
        pid = app_pid(int(tmux("display", "-p", "-t", name, "#{pane_pid}").strip()), binary)
        # Keys sent before the UI is up would be echoed onto the shell's screen.
        if wait_for(tmux, "bert-tutor|enlarge the terminal", 30) is None:
            raise Fail("the UI did not come up within 30 s")
        time.sleep(1)
        start = time.time()
        end, next_sample, next_check, next_resize = start + args.minutes * 60, start, start, start + 20
        queue = deque()
        while True:
            now = time.time()
            if now >= next_sample:
                if (kib := rss_kib(pid)) is None:
                    raise Fail(f"process {pid} is gone")
                samples.append(kib)
                for out in filter(None, (sys.stdout, csv)):
                    print(f"{round(now - start)},{kib}", file=out, flush=True)
                next_sample += args.sample_every
            if now >= next_check:
                screen = check(tmux, pid)
                next_check = now + 3
            if now >= next_resize:
                w, h = rng.randint(60, 200), rng.randint(16, 60)
                tmux("resize-window", "-t", name, "-x", str(w), "-y", str(h))
                last.append(f"<resize {w}x{h}>")
                next_resize = now + rng.uniform(15, 25)
            if not queue:
                queue.extend(macro(rng.choices([m for _, m in MENU], [w for w, _ in MENU])[0], rng))
            key = queue.popleft()
            if key == LESSON_ESC:
                keys, waited = lesson_escape(tmux, f"zz{sent}zz")
                lag, lesson_escs = max(lag, waited), lesson_escs + (len(keys) == 3)
            else:
                keys = [key]
                tmux.send(key)
            sent += len(keys)
            last.extend(keys)
            time.sleep(args.interval)
            if not queue and time.time() >= end:
                break
        screen = check(tmux, pid)
        tmux.send("q")  # every macro is finished, so no editor or help is open: q quits
        # Quitting in the first seconds can take ~6 s (the trainer's first work has to finish).
        screen = wait_for(tmux, "EXITED:", 20, history=200) or tmux.screen(200)
        if "EXITED:0" not in screen:
            raise Fail("no clean exit (EXITED:0) after q")
        if "panicked" in screen:
            raise Fail("panic message on screen after quit")
        ok = True
    except Fail as e:
        print(f"\nFAIL: {e}", file=sys.stderr)
        screen = tmux.screen(history=200) or screen
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
    finally:
        saved = (tmp / "cwd" / "checkpoint").is_dir()
        tmux("kill-server", check=False)
        shutil.rmtree(tmp, ignore_errors=True)
        if csv:
            csv.close()
    print(f"\nduration {time.time() - start:.0f} s, keys sent {sent} (lesson pane closed by Esc {lesson_escs}x), "
          f"seed {seed}, max key-to-screen lag {lag:.1f} s, checkpoint saved: {'yes' if saved else 'no'}")
    if samples:
        print(f"RSS KiB: first {samples[0]}, last {samples[-1]}, max {max(samples)} ({len(samples)} samples)")
    if len(samples) >= 3:
        n = len(samples) // 3
        mid, tail = statistics.median(samples[n:2 * n]), statistics.median(samples[-n:])
        growth = (tail - mid) / mid * 100
        print(f"RSS growth, median of last third vs second third: {growth:+.1f}% -> "
              + ("flat" if growth < 10 else "GROWING"))
        ok = ok and growth < 10
    else:
        print("too few RSS samples to judge growth")
    if not ok:
        print("\n--- screen ---\n" + screen.rstrip() + "\n--- last keys ---\n" + " ".join(map(repr, last)))
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
