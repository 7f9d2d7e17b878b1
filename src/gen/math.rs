//! Deterministic building blocks: PRNG, elementary functions and calendar math.
//!
//! Everything here uses only IEEE-754 basic operations (`+ - * /`, `sqrt`,
//! `round`, casts), which are correctly rounded on every platform Rust
//! supports. The platform's `libm` (`exp`, `ln`, `sin`, ...) is deliberately
//! avoided so that the same seed produces the same bytes everywhere, forever.

use std::f64::consts::{FRAC_PI_2, LN_2, PI, SQRT_2};

/// SplitMix64 step, used for seeding and for stateless hashing.
#[inline]
pub fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Stateless 64-bit mix of a value (one SplitMix64 round).
#[inline]
pub fn mix64(x: u64) -> u64 {
    let mut s = x;
    splitmix64(&mut s)
}

/// xoshiro256** by Blackman and Vigna, seeded through SplitMix64.
#[derive(Clone, Debug)]
pub struct Rng {
    s: [u64; 4],
}

impl Rng {
    pub fn new(seed: u64) -> Rng {
        let mut sm = seed;
        let s = [
            splitmix64(&mut sm),
            splitmix64(&mut sm),
            splitmix64(&mut sm),
            splitmix64(&mut sm),
        ];
        Rng { s }
    }

    #[inline]
    pub fn next_u64(&mut self) -> u64 {
        let s = &mut self.s;
        let result = s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = s[1] << 17;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = s[3].rotate_left(45);
        result
    }

    /// Uniform in `[0, 1)` with 53 bits of precision.
    #[inline]
    pub fn f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform in `(0, 1]`, safe to pass to `ln`.
    #[inline]
    pub fn f64_open0(&mut self) -> f64 {
        ((self.next_u64() >> 11) + 1) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform integer in `0..n` (Lemire's multiply-shift; `n > 0`).
    #[inline]
    pub fn below(&mut self, n: u64) -> u64 {
        ((self.next_u64() as u128 * n as u128) >> 64) as u64
    }

    /// `true` with probability `p`.
    #[inline]
    pub fn chance(&mut self, p: f64) -> bool {
        self.f64() < p
    }

    /// Standard normal variate by the Box-Muller transform.
    #[inline]
    pub fn normal(&mut self) -> f64 {
        let u1 = self.f64_open0();
        let u2 = self.f64();
        (-2.0 * ln(u1)).sqrt() * cos(2.0 * PI * u2 - PI)
    }

    /// Log-normal variate: `median * exp(sigma * N(0, 1))`.
    #[inline]
    pub fn lognormal(&mut self, median: f64, sigma: f64) -> f64 {
        median * exp(sigma * self.normal())
    }

    /// Index into a cumulative weight table (`cum` is non-decreasing, last > 0).
    #[inline]
    pub fn pick_cum(&mut self, cum: &[u32]) -> usize {
        let total = *cum.last().expect("non-empty weight table");
        let r = self.below(total as u64) as u32;
        // Number of entries <= r is the index of the first entry > r.
        cum.partition_point(|&c| c <= r)
    }
}

/// Builds a cumulative table from weights.
pub fn cumulative(weights: impl IntoIterator<Item = u32>) -> Vec<u32> {
    let mut acc = 0u32;
    weights
        .into_iter()
        .map(|w| {
            acc += w;
            acc
        })
        .collect()
}

/// `2^k` for `-1000 < k < 1000`.
#[inline]
fn pow2i(k: i64) -> f64 {
    f64::from_bits(((1023 + k) as u64) << 52)
}

/// Rounds to the nearest integer, halves away from zero (no libm call).
#[inline]
pub fn round_i64(x: f64) -> i64 {
    if x >= 0.0 {
        (x + 0.5) as i64
    } else {
        (x - 0.5) as i64
    }
}

/// Horner evaluation of `c[0] + c[1] x + c[2] x^2 + ...`.
#[inline(always)]
fn horner(c: &[f64], x: f64) -> f64 {
    let mut acc = 0.0;
    for &k in c.iter().rev() {
        acc = acc * x + k;
    }
    acc
}

/// `1 / k!` for `k = 0..=12`.
const EXP_C: [f64; 13] = [
    1.0,
    1.0,
    0.5,
    0.166_666_666_666_666_66,
    0.041_666_666_666_666_664,
    0.008_333_333_333_333_333,
    0.001_388_888_888_888_889,
    0.000_198_412_698_412_698_4,
    2.480_158_730_158_73e-5,
    2.755_731_922_398_589_3e-6,
    2.755_731_922_398_589e-7,
    2.505_210_838_544_172e-8,
    2.087_675_698_786_81e-9,
];

/// `(-1)^k / (2k+1)!` for `k = 0..10`.
const SIN_C: [f64; 10] = [
    1.0,
    -0.166_666_666_666_666_66,
    0.008_333_333_333_333_333,
    -0.000_198_412_698_412_698_4,
    2.755_731_922_398_589_3e-6,
    -2.505_210_838_544_172e-8,
    1.605_904_383_682_161_3e-10,
    -7.647_163_731_819_816e-13,
    2.811_457_254_345_520_6e-15,
    -8.220_635_246_624_33e-18,
];

/// `(-1)^k / (2k)!` for `k = 0..10`.
const COS_C: [f64; 10] = [
    1.0,
    -0.5,
    0.041_666_666_666_666_664,
    -0.001_388_888_888_888_889,
    2.480_158_730_158_73e-5,
    -2.755_731_922_398_589e-7,
    2.087_675_698_786_81e-9,
    -1.147_074_559_772_972_5e-11,
    4.779_477_332_387_385e-14,
    -1.561_920_696_858_622_5e-16,
];

/// `2 / (2k+1)` for `k = 0..9` (series of `2 atanh(s)`).
const LN_C: [f64; 9] = [
    2.0,
    0.666_666_666_666_666_6,
    0.4,
    0.285_714_285_714_285_7,
    0.222_222_222_222_222_2,
    0.181_818_181_818_181_82,
    0.153_846_153_846_153_85,
    0.133_333_333_333_333_33,
    0.117_647_058_823_529_41,
];

/// Natural exponential, by range reduction and a Taylor polynomial.
pub fn exp(x: f64) -> f64 {
    if x > 700.0 {
        return f64::INFINITY;
    }
    if x < -700.0 {
        return 0.0;
    }
    const LN2_HI: f64 = 0.693_147_180_369_123_8;
    const LN2_LO: f64 = 1.908_214_929_270_587_7e-10;
    let k = round_i64(x * std::f64::consts::LOG2_E);
    let kf = k as f64;
    let r = (x - kf * LN2_HI) - kf * LN2_LO; // |r| <= ~0.347
    horner(&EXP_C, r) * pow2i(k)
}

/// Natural logarithm for positive, normal `x`.
pub fn ln(x: f64) -> f64 {
    debug_assert!(x > 0.0 && x.is_normal());
    let bits = x.to_bits();
    let mut e = ((bits >> 52) & 0x7ff) as i64 - 1023;
    let mut m = f64::from_bits((bits & 0x000f_ffff_ffff_ffff) | (1023u64 << 52));
    if m > SQRT_2 {
        m *= 0.5;
        e += 1;
    }
    // ln(m) = 2 atanh(s), |s| <= 0.1716.
    let s = (m - 1.0) / (m + 1.0);
    e as f64 * LN_2 + s * horner(&LN_C, s * s)
}

/// Sine for `|x| <= 2 pi` (Taylor after folding into `[-pi/2, pi/2]`).
pub fn sin(x: f64) -> f64 {
    let mut x = x;
    if x > PI {
        x -= 2.0 * PI;
    } else if x < -PI {
        x += 2.0 * PI;
    }
    if x > FRAC_PI_2 {
        x = PI - x;
    } else if x < -FRAC_PI_2 {
        x = -PI - x;
    }
    x * horner(&SIN_C, x * x)
}

/// Cosine for `|x| <= 2 pi` (Taylor after folding into `[0, pi/2]`).
pub fn cos(x: f64) -> f64 {
    let mut x = x.abs();
    if x > PI {
        x = 2.0 * PI - x;
    }
    if x > FRAC_PI_2 {
        let y = PI - x;
        -horner(&COS_C, y * y)
    } else {
        horner(&COS_C, x * x)
    }
}

/// Arc sine for `x` in `[0, 1]`.
pub fn asin01(x: f64) -> f64 {
    if x > 0.5 {
        return FRAC_PI_2 - 2.0 * asin_small(((1.0 - x) * 0.5).sqrt());
    }
    asin_small(x)
}

fn asin_small(x: f64) -> f64 {
    let x2 = x * x;
    let mut a = 1.0;
    let mut pow = x;
    let mut sum = 0.0;
    let mut n = 0.0;
    for _ in 0..40 {
        sum += a * pow;
        a = a * (2.0 * n + 1.0) * (2.0 * n + 1.0) / ((2.0 * n + 2.0) * (2.0 * n + 3.0));
        pow *= x2;
        n += 1.0;
    }
    sum
}

/// Great-circle distance in km (haversine, mean Earth radius).
pub fn great_circle_km(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> f64 {
    const R: f64 = 6371.0;
    let rad = PI / 180.0;
    let (p1, p2) = (lat1 * rad, lat2 * rad);
    let dp = p2 - p1;
    let dl = (lon2 - lon1) * rad;
    let sp = sin(dp * 0.5);
    let sl = sin(dl * 0.5);
    let h = sp * sp + cos(p1) * cos(p2) * sl * sl;
    2.0 * R * asin01(h.clamp(0.0, 1.0).sqrt())
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant).
pub const fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let m = m as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Inverse of [`days_from_civil`].
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn elementary_functions_are_accurate() {
        for i in -200..=200 {
            let x = i as f64 * 0.05;
            assert!((exp(x) - x.exp()).abs() <= 1e-14 * x.exp(), "exp({x})");
            let y = exp(x);
            assert!((ln(y) - x).abs() <= 1e-13, "ln({y})");
        }
        for i in -600..=600 {
            let x = i as f64 * 0.01;
            assert!((sin(x) - x.sin()).abs() < 1e-13, "sin({x})");
            assert!((cos(x * 0.75) - (x * 0.75).cos()).abs() < 1e-13, "cos({x})");
        }
        for i in 0..=1000 {
            let x = i as f64 / 1000.0;
            assert!((asin01(x) - x.asin()).abs() < 1e-12, "asin({x})");
        }
        // JFK - LAX is about 3983 km.
        let d = great_circle_km(40.6413, -73.7781, 33.9416, -118.4085);
        assert!((d - 3983.0).abs() < 10.0, "{d}");
    }

    #[test]
    fn civil_round_trip() {
        for z in -800_000..800_000i64 {
            let (y, m, d) = civil_from_days(z);
            assert_eq!(days_from_civil(y, m, d), z);
        }
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(
            civil_from_days(days_from_civil(2027, 2, 28) + 1),
            (2027, 3, 1)
        );
        assert_eq!(
            civil_from_days(days_from_civil(2028, 2, 28) + 1),
            (2028, 2, 29)
        );
    }

    #[test]
    fn normal_moments() {
        let mut rng = Rng::new(1);
        let n = 200_000;
        let (mut s, mut s2) = (0.0, 0.0);
        for _ in 0..n {
            let z = rng.normal();
            s += z;
            s2 += z * z;
        }
        let mean = s / n as f64;
        let var = s2 / n as f64 - mean * mean;
        assert!(mean.abs() < 0.01, "{mean}");
        assert!((var - 1.0).abs() < 0.02, "{var}");
    }
}
