//! exp and erf in f32, branch-free so loops over them vectorise. Both are within about
//! 1e-7 relative (exp) and 6e-7 absolute (erf, a few f32 ulps near ±1) of the exact values, below f32's own
//! rounding in a sum of a few terms; the PyTorch fixture test bounds the effect on the
//! whole model (logits within 1e-5 relative).

const LOG2E: f32 = std::f32::consts::LOG2_E;
/// ln 2 split in two so `k · ln 2` is subtracted without rounding (Cephes `expf`).
const LN2_HI: f32 = 0.693_359_4;
const LN2_LO: f32 = -2.121_944_4e-4;
/// 1.5 · 2²³: adding and subtracting it rounds to the nearest integer in any float mode.
const ROUND: f32 = 12_582_912.0;

/// eˣ, Cephes' `expf` polynomial with range reduction; inputs below −87.3 give ≈ 1e-38.
#[inline(always)]
pub fn exp(x: f32) -> f32 {
    let x = x.clamp(-87.3, 88.7);
    let shifted = x * LOG2E + ROUND;
    let k = shifted - ROUND;
    // The integer k sits in the low mantissa bits of `shifted` (0x4B40_0000 + k): read it
    // there rather than with a float→int cast, whose saturating checks stop vectorisation.
    let ki = shifted.to_bits() as i32 - 0x4B40_0000;
    let r = x - k * LN2_HI - k * LN2_LO;
    let p = (((((1.987_569_2e-4 * r + 1.398_199_9e-3) * r + 8.333_452e-3) * r + 4.166_579_6e-2) * r + 1.666_666_5e-1)
        * r
        + 0.5)
        * r
        * r
        + r
        + 1.0;
    p * f32::from_bits(((ki + 127) as u32) << 23)
}

/// erf(x) by Abramowitz & Stegun 7.1.26 (absolute error < 1.5e-7 in exact arithmetic;
/// evaluated in f32, within 6e-7 of libm's erf).
#[inline(always)]
pub fn erf(x: f32) -> f32 {
    let z = x.abs();
    let e = 1.0 - erfc_tail(z, exp(-z * z));
    if x >= 0.0 { e } else { -e }
}

/// erfc(z) for z ≥ 0, given e = exp(−z²): A&S 7.1.26's polynomial in t = 1/(1 + p z).
#[inline(always)]
fn erfc_tail(z: f32, e: f32) -> f32 {
    let t = 1.0 / (1.0 + 0.327_591_1 * z);
    let poly = t * (0.254_829_6 + t * (-0.284_496_74 + t * (1.421_413_7 + t * (-1.453_152_1 + t * 1.061_405_4))));
    poly * e
}

/// GELU(x) = x Φ(x) and its derivative Φ(x) + x φ(x), sharing one exp: erf's
/// exp(−z²) at z = |x|/√2 is exp(−x²/2), which is φ(x)·√(2π).
#[inline(always)]
pub fn gelu_and_grad(x: f32) -> (f32, f32) {
    let z = x.abs() * std::f32::consts::FRAC_1_SQRT_2;
    let e = exp(-z * z);
    let half_erfc = 0.5 * erfc_tail(z, e);
    let cdf = if x >= 0.0 { 1.0 - half_erfc } else { half_erfc };
    let pdf = e * 0.398_942_3;
    (x * cdf, cdf + x * pdf)
}

/// Σ xs with eight running sums, so the loop vectorises (a single running sum cannot be
/// reordered by the compiler).
#[inline(always)]
pub fn sum(xs: &[f32]) -> f32 {
    let mut acc = [0.0f32; 8];
    let chunks = xs.chunks_exact(8);
    let tail: f32 = chunks.remainder().iter().sum();
    for c in chunks {
        for (a, x) in acc.iter_mut().zip(c) {
            *a += x;
        }
    }
    acc.iter().sum::<f32>() + tail
}

/// Σ a ⊙ b, with eight running sums so the loop vectorises.
#[inline(always)]
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut acc = [0.0f32; 8];
    let (ac, bc) = (a.chunks_exact(8), b.chunks_exact(8));
    let tail: f32 = ac.remainder().iter().zip(bc.remainder()).map(|(x, y)| x * y).sum();
    for (x, y) in ac.zip(bc) {
        for i in 0..8 {
            acc[i] += x[i] * y[i];
        }
    }
    acc.iter().sum::<f32>() + tail
}

/// max over xs (−∞ for an empty slice).
#[inline(always)]
pub fn max(xs: &[f32]) -> f32 {
    xs.iter().fold(f32::NEG_INFINITY, |m, &x| m.max(x))
}

/// max over the xs whose `keep` is not 0 (−∞ if none), with sixteen running maxima so
/// the loop vectorises.
#[inline(always)]
pub fn masked_max(xs: &[f32], keep: &[f32]) -> f32 {
    let mut acc = [f32::NEG_INFINITY; 16];
    let (xc, kc) = (xs.chunks_exact(16), keep.chunks_exact(16));
    let tail = xc.remainder().iter().zip(kc.remainder()).fold(
        f32::NEG_INFINITY,
        |m, (&x, &k)| {
            if k != 0.0 && x > m { x } else { m }
        },
    );
    for (x, k) in xc.zip(kc) {
        for i in 0..16 {
            let v = if k[i] != 0.0 { x[i] } else { f32::NEG_INFINITY };
            acc[i] = if v > acc[i] { v } else { acc[i] };
        }
    }
    acc.iter().fold(tail, |m, &x| if x > m { x } else { m })
}

/// Defines a function whose body is compiled three times, for AVX-512, for AVX2 with FMA,
/// and for any x86-64, and picks one at run time by what the CPU has (so the binary runs
/// anywhere and uses what it finds). For element-wise hot loops: the body is inlined into
/// each version, and so is everything it calls that is `#[inline(always)]`.
///
/// (A closure handed to one `#[target_feature]` function is not enough: the compiler
/// keeps a large closure out of line, compiled for the baseline, with 4-wide SSE.)
macro_rules! simd_fn {
    ($(#[$m:meta])* $vis:vis fn $name:ident($($arg:ident: $ty:ty),* $(,)?) $(-> $ret:ty)? $body:block) => {
        $(#[$m])*
        $vis fn $name($($arg: $ty),*) $(-> $ret)? {
            #[inline(always)]
            fn body($($arg: $ty),*) $(-> $ret)? $body
            #[cfg(target_arch = "x86_64")]
            {
                #[target_feature(enable = "avx512f,avx2,fma")]
                fn avx512($($arg: $ty),*) $(-> $ret)? { body($($arg),*) }
                #[target_feature(enable = "avx2,fma")]
                fn avx2($($arg: $ty),*) $(-> $ret)? { body($($arg),*) }
                if std::arch::is_x86_feature_detected!("avx512f") {
                    // SAFETY: the CPU has the features `avx512` is compiled for.
                    return unsafe { avx512($($arg),*) };
                }
                if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma") {
                    // SAFETY: the CPU has the features `avx2` is compiled for.
                    return unsafe { avx2($($arg),*) };
                }
            }
            body($($arg),*)
        }
    };
}
pub(crate) use simd_fn;

#[cfg(test)]
mod tests {
    #[test]
    fn exp_matches_std_within_2e_7_relative() {
        let mut worst: f64 = 0.0;
        for i in -8700..8800 {
            let x = i as f32 * 0.01 + 0.003;
            let e = (super::exp(x) as f64 - (x as f64).exp()).abs() / (x as f64).exp();
            worst = worst.max(e);
        }
        println!("fast exp: worst relative error {worst:.2e}");
        assert!(worst < 2e-7, "{worst}");
    }

    #[test]
    fn erf_matches_libm_within_1e_6() {
        let mut worst: f64 = 0.0;
        for i in -6000..6000 {
            let x = i as f32 * 0.001 + 0.0003;
            worst = worst.max((super::erf(x) as f64 - libm::erf(x as f64)).abs());
        }
        println!("fast erf: worst absolute error {worst:.2e}");
        assert!(worst < 1e-6, "{worst}");
    }
}
