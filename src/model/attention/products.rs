//! The two attention products whose left operand is a (T, len) matrix of probabilities or
//! their gradients: P V and Pᵀ X (and dS K, dSᵀ Q, the same shapes). A general sgemm copies
//! ("packs") that whole matrix, transposed for Pᵀ X, for only d = 16 multiply-adds per
//! entry, and the copying took about as long as the arithmetic (docs/PERFORMANCE.md). Here
//! the matrix is read in place, row by row, and the (·, d) rows are accumulated in
//! registers: d is a compile-time constant for the head sizes models use (8 to 64), with a
//! plain loop for any other.
//!
//! Operands are row-major slices with a row stride, so a head's columns of the stacked
//! [Q | K | V] (B·T, 3H) are used where they are.

use super::super::fastmath::simd_fn;

/// A row-major matrix inside a slice: row `r` is `data[off + r·ld ..][..cols]`.
#[derive(Clone, Copy)]
pub struct Rows<'a> {
    pub data: &'a [f32],
    pub off: usize,
    pub ld: usize,
}

impl Rows<'_> {
    #[inline(always)]
    fn row(&self, r: usize, cols: usize) -> &[f32] {
        &self.data[self.off + r * self.ld..][..cols]
    }
}

/// The same, writable.
pub struct RowsMut<'a> {
    pub data: &'a mut [f32],
    pub off: usize,
    pub ld: usize,
}

impl RowsMut<'_> {
    #[inline(always)]
    fn row(&mut self, r: usize, cols: usize) -> &mut [f32] {
        &mut self.data[self.off + r * self.ld..][..cols]
    }
}

simd_fn! {
/// out[i, :] = Σ_j p[i, j] · v[j, :] for i < rows, j < len; out is (rows, d), overwritten.
pub fn p_times_v(p: Rows, rows: usize, len: usize, v: Rows, d: usize, out: RowsMut) {
    match d {
        8 => pv_fixed::<8>(p, rows, len, v, out),
        16 => pv_fixed::<16>(p, rows, len, v, out),
        32 => pv_fixed::<32>(p, rows, len, v, out),
        64 => pv_fixed::<64>(p, rows, len, v, out),
        _ => pv_any(p, rows, len, v, d, out),
    }
}
}

simd_fn! {
/// out[j, :] = Σ_i p[i, j] · x[i, :] for i < rows, j < len; out is (len, d), overwritten.
pub fn pt_times_x(p: Rows, rows: usize, len: usize, x: Rows, d: usize, out: RowsMut) {
    match d {
        8 => ptx_fixed::<8>(p, rows, len, x, out),
        16 => ptx_fixed::<16>(p, rows, len, x, out),
        32 => ptx_fixed::<32>(p, rows, len, x, out),
        64 => ptx_fixed::<64>(p, rows, len, x, out),
        _ => ptx_any(p, rows, len, x, d, out),
    }
}
}

/// Rows of `out` computed together: each row of v, once loaded, serves four rows of p.
const BLOCK: usize = 4;

// Kernel loops index several rows in lockstep by the same j, r and k; iterators would hide that.
#[allow(clippy::needless_range_loop)]
#[inline(always)]
fn pv_fixed<const D: usize>(p: Rows, rows: usize, len: usize, v: Rows, mut out: RowsMut) {
    let mut i0 = 0;
    while i0 < rows {
        let n = BLOCK.min(rows - i0);
        let mut acc = [[0.0f32; D]; BLOCK];
        let prow: [&[f32]; BLOCK] = std::array::from_fn(|r| p.row(i0 + r.min(n - 1), len));
        for j in 0..len {
            let vr: &[f32; D] = v.row(j, D).try_into().expect("a row of D");
            for r in 0..BLOCK {
                let w = prow[r][j];
                for k in 0..D {
                    acc[r][k] += w * vr[k];
                }
            }
        }
        for (r, a) in acc.iter().enumerate().take(n) {
            out.row(i0 + r, D).copy_from_slice(a);
        }
        i0 += n;
    }
}

#[inline(always)]
fn pv_any(p: Rows, rows: usize, len: usize, v: Rows, d: usize, mut out: RowsMut) {
    for i in 0..rows {
        let o = out.row(i, d);
        o.fill(0.0);
        for (j, &w) in p.row(i, len).iter().enumerate() {
            o.iter_mut().zip(v.row(j, d)).for_each(|(o, &x)| *o += w * x);
        }
    }
}

#[allow(clippy::needless_range_loop)]
#[inline(always)]
fn ptx_fixed<const D: usize>(p: Rows, rows: usize, len: usize, x: Rows, mut out: RowsMut) {
    for j in 0..len {
        out.row(j, D).fill(0.0);
    }
    // Eight rows of x at a time, so each row of out is loaded and stored once per eight
    // multiply-adds; the last rows one by one.
    let full = rows - rows % ROWS_T;
    for i0 in (0..full).step_by(ROWS_T) {
        // Copies, so the compiler knows they cannot change as `out` is written.
        let xr: [[f32; D]; ROWS_T] = std::array::from_fn(|r| x.row(i0 + r, D).try_into().expect("a row of D"));
        let prow: [&[f32]; ROWS_T] = std::array::from_fn(|r| p.row(i0 + r, len));
        for j in 0..len {
            let o: &mut [f32; D] = out.row(j, D).try_into().expect("a row of D");
            let mut acc = *o;
            for r in 0..ROWS_T {
                let w = prow[r][j];
                for k in 0..D {
                    acc[k] += w * xr[r][k];
                }
            }
            *o = acc;
        }
    }
    for i in full..rows {
        let xr: [f32; D] = x.row(i, D).try_into().expect("a row of D");
        for (j, &w) in p.row(i, len).iter().enumerate() {
            let o: &mut [f32; D] = out.row(j, D).try_into().expect("a row of D");
            let mut acc = *o;
            for k in 0..D {
                acc[k] += w * xr[k];
            }
            *o = acc;
        }
    }
}

/// Rows of x taken together by `pt_times_x`.
const ROWS_T: usize = 8;

#[inline(always)]
fn ptx_any(p: Rows, rows: usize, len: usize, x: Rows, d: usize, mut out: RowsMut) {
    for j in 0..len {
        out.row(j, d).fill(0.0);
    }
    for i in 0..rows {
        let xr = x.row(i, d);
        for (j, &w) in p.row(i, len).iter().enumerate() {
            out.row(j, d).iter_mut().zip(xr).for_each(|(o, &x)| *o += w * x);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array2;

    fn matrix(rows: usize, cols: usize, seed: usize) -> Array2<f32> {
        Array2::from_shape_fn((rows, cols), |(i, j)| (((i * 31 + j * 17 + seed * 7) % 23) as f32 - 11.0) / 7.0)
    }

    /// Both products against ndarray's, for every size the dispatch picks and a few it
    /// does not, with row counts that leave a partial block, and a len shorter than the
    /// rows (padding keys left out) read from inside wider matrices.
    #[test]
    fn products_match_ndarray() {
        for d in [4, 8, 12, 16, 32, 64] {
            for (rows, len) in [(7, 7), (9, 5), (12, 12), (5, 3)] {
                let p_full = matrix(rows, len + 2, 1);
                let v_full = matrix(rows + 1, 3 * d, 2);
                let p = p_full.slice(ndarray::s![.., ..len]);
                let v = v_full.slice(ndarray::s![..len, d..2 * d]);
                let x = v_full.slice(ndarray::s![..rows, 2 * d..3 * d]);
                let prows = Rows { data: p_full.as_slice().unwrap(), off: 0, ld: len + 2 };
                let vrows = Rows { data: v_full.as_slice().unwrap(), off: d, ld: 3 * d };
                let xrows = Rows { data: v_full.as_slice().unwrap(), off: 2 * d, ld: 3 * d };

                let mut out = vec![f32::NAN; rows * d];
                p_times_v(prows, rows, len, vrows, d, RowsMut { data: &mut out, off: 0, ld: d });
                let want = p.dot(&v);
                let worst = want.iter().zip(&out).map(|(a, b)| (a - b).abs()).fold(0.0, f32::max);
                assert!(worst < 1e-4, "P V, d {d}, {rows}×{len}: off by {worst}");

                let mut out = vec![f32::NAN; len * d];
                pt_times_x(prows, rows, len, xrows, d, RowsMut { data: &mut out, off: 0, ld: d });
                let want = p.t().dot(&x);
                let worst = want.iter().zip(&out).map(|(a, b)| (a - b).abs()).fold(0.0, f32::max);
                assert!(worst < 1e-4, "Pᵀ X, d {d}, {rows}×{len}: off by {worst}");
            }
        }
    }
}
