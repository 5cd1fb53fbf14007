//! Secrecy test (issue 7, part 3): fewer than T shares say nothing about the secret.
//!
//! For T = 2 and T = 3, 100,000 splits of each of two fixed secrets (all 0x00, all 0xFF) go
//! through the real split path (`shamir::split`: blahaj with the OS RNG), and the bytes of every
//! set of T - 1 shares are compared between the two secrets, and with the uniform distribution,
//! by chi-square tests. The same statistic run on a dealer that draws its coefficients from
//! 1..=255, the RUSTSEC-2024-0398 bug of `sharks`, must fail: that proves the test can fail.
//!
//! Cells. T = 2: the 256 values of one share's byte, for each share. T = 3: a pair (y1, y2) has
//! 65,536 cells, too many for 200,000 samples, so the pair is tested through its 257
//! one-dimensional projections `y1 + c * y2` (c in GF(256)) and `y2`, 256 cells each. That
//! loses nothing: a distribution on GF(256)^2 is uniform (or equal to another) exactly when all
//! of these projections are, since each non-trivial additive character of GF(256)^2 is one of a
//! projection. The projection the bug shows in is the one Cure53 exploited: interpolating the
//! T - 1 shares at zero gives the secret plus the top coefficient times a constant, never the
//! secret itself when that coefficient cannot be 0.
//!
//! Threshold: the family of tests together at p = 1e-6 (Bonferroni: each test at 1e-6 divided
//! by their number), so that a correct sampler fails about once in a million runs. p-values
//! come from the chi-square distribution (regularised upper incomplete gamma function, below;
//! checked against a closed form). docs/SECURITY.md records the observed values.

use coldshard::shamir::{self, ShareCount, SharePoint, Threshold};

use crate::util::{gf_inv, gf_mul};

/// Splits of each secret, for each threshold.
const SPLITS: usize = 100_000;
/// Bytes per secret. Every byte has its own polynomial, so each split gives this many
/// independent samples per cell histogram.
const SECRET_LEN: usize = 2;
/// Shares dealt: every share for T = 2, every pair for T = 3.
const SHARES: u8 = 3;
/// The probability that a correct sampler fails the whole family of tests.
const FAMILY_ALPHA: f64 = 1e-6;
/// Degrees of freedom of a 256-cell test (every cell is filled at this sample size).
const DF: f64 = 255.0;

/// The full multiplication table, for the projections.
fn mul_table() -> Vec<[u8; 256]> {
    (0..=255u8)
        .map(|a| std::array::from_fn(|b| gf_mul(a, b as u8)))
        .collect()
}

/// A dealer: the share values (x = 1..=SHARES) of one split of `secret`.
type Dealer<'a> = dyn FnMut(&[u8], u8) -> Vec<SharePoint> + 'a;

/// The real split path.
fn real(secret: &[u8], t: u8) -> Vec<SharePoint> {
    shamir::split(
        secret,
        Threshold::new(t).unwrap(),
        ShareCount::new(SHARES).unwrap(),
    )
    .unwrap()
}

/// The RUSTSEC-2024-0398 dealer: coefficients uniform in 1..=255 (sharks' `random_polynomial`
/// used `Uniform::new_inclusive(1, 255)`), from the OS RNG, evaluated by Horner's rule in
/// GF(256) as blahaj does.
struct Biased {
    pool: Vec<u8>,
}

impl Biased {
    fn new() -> Self {
        Biased { pool: Vec::new() }
    }

    fn coefficient(&mut self) -> u8 {
        loop {
            if self.pool.is_empty() {
                self.pool = vec![0; 1 << 16];
                getrandom::fill(&mut self.pool).unwrap();
            }
            let b = self.pool.pop().unwrap();
            if b != 0 {
                return b;
            }
        }
    }

    fn deal(&mut self, secret: &[u8], t: u8) -> Vec<SharePoint> {
        // Highest degree first, the secret last: f(x) = ((a_{t-1} x + ...) x + a_1) x + s.
        let polys: Vec<Vec<u8>> = secret
            .iter()
            .map(|&s| {
                let mut p: Vec<u8> = (1..t).map(|_| self.coefficient()).collect();
                p.push(s);
                p
            })
            .collect();
        (1..=SHARES)
            .map(|x| {
                let y = polys
                    .iter()
                    .map(|p| p.iter().fold(0, |acc, &c| gf_mul(acc, x) ^ c))
                    .collect();
                SharePoint::new(
                    shamir::ShareIndex::new(x).unwrap(),
                    zeroize::Zeroizing::new(y),
                )
            })
            .collect()
    }
}

/// One chi-square test: what it compares, the statistic and its p-value.
#[derive(Debug, Clone)]
struct Test {
    name: String,
    stat: f64,
    p: f64,
}

/// ln Gamma(x) for x > 0 (Lanczos, g = 7, 9 terms; relative error below 1e-13).
fn ln_gamma(x: f64) -> f64 {
    const G: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    let x = x - 1.0;
    let t = x + 7.5;
    let sum = G[0] + (1..9).map(|i| G[i] / (x + i as f64)).sum::<f64>();
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + sum.ln()
}

/// Q(a, x), the regularised upper incomplete gamma function (Numerical Recipes' series and
/// Lentz continued fraction).
fn gamma_q(a: f64, x: f64) -> f64 {
    if x <= 0.0 {
        return 1.0;
    }
    let front = (-x + a * x.ln() - ln_gamma(a)).exp();
    if x < a + 1.0 {
        let (mut term, mut sum, mut n) = (1.0 / a, 1.0 / a, a);
        while term.abs() > sum.abs() * 1e-16 {
            n += 1.0;
            term *= x / n;
            sum += term;
        }
        1.0 - sum * front
    } else {
        let tiny = 1e-300;
        let mut b = x + 1.0 - a;
        let mut c = 1.0 / tiny;
        let mut d = 1.0 / b;
        let mut h = d;
        for i in 1..10_000 {
            let an = -(i as f64) * (i as f64 - a);
            b += 2.0;
            d = an * d + b;
            d = if d.abs() < tiny { tiny } else { d };
            c = b + an / c;
            c = if c.abs() < tiny { tiny } else { c };
            d = 1.0 / d;
            let delta = d * c;
            h *= delta;
            if (delta - 1.0).abs() < 1e-16 {
                break;
            }
        }
        front * h
    }
}

/// P(X >= x) for X chi-square with `df` degrees of freedom.
fn chi2_sf(x: f64, df: f64) -> f64 {
    gamma_q(df / 2.0, x / 2.0)
}

/// The x with chi2_sf(x, df) = p (bisection).
fn chi2_critical(p: f64, df: f64) -> f64 {
    let (mut lo, mut hi) = (0.0, 10.0 * df + 1000.0);
    for _ in 0..200 {
        let mid = (lo + hi) / 2.0;
        if chi2_sf(mid, df) > p {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    (lo + hi) / 2.0
}

/// Goodness of fit of a 256-cell histogram to the uniform distribution.
fn uniform_test(name: String, h: &[u64; 256]) -> Test {
    let n: u64 = h.iter().sum();
    let e = n as f64 / 256.0;
    let stat = h.iter().map(|&o| (o as f64 - e).powi(2) / e).sum();
    Test {
        name,
        stat,
        p: chi2_sf(stat, DF),
    }
}

/// Two-sample homogeneity: are `a` and `b` drawn from one distribution? (A 2 x 256
/// contingency table; 255 degrees of freedom when every cell is filled.)
fn homogeneity_test(name: String, a: &[u64; 256], b: &[u64; 256]) -> Test {
    let (na, nb) = (a.iter().sum::<u64>() as f64, b.iter().sum::<u64>() as f64);
    let mut stat = 0.0;
    let mut cells = 0.0;
    for (&oa, &ob) in a.iter().zip(b) {
        let col = (oa + ob) as f64;
        if col == 0.0 {
            continue;
        }
        cells += 1.0;
        let (ea, eb) = (na * col / (na + nb), nb * col / (na + nb));
        stat += (oa as f64 - ea).powi(2) / ea + (ob as f64 - eb).powi(2) / eb;
    }
    Test {
        name,
        stat,
        p: chi2_sf(stat, cells - 1.0),
    }
}

/// For one secret: the 256-cell histograms of every T - 1 shares' bytes, by name.
fn histograms(
    deal: &mut Dealer,
    secret: &[u8],
    t: u8,
    mul: &[[u8; 256]],
) -> Vec<(String, [u64; 256])> {
    if t == 2 {
        let mut h = vec![[0u64; 256]; usize::from(SHARES)];
        for _ in 0..SPLITS {
            for (i, p) in deal(secret, t).iter().enumerate() {
                for &y in p.value() {
                    h[i][usize::from(y)] += 1;
                }
            }
        }
        return h
            .into_iter()
            .enumerate()
            .map(|(i, h)| (format!("share {}", i + 1), h))
            .collect();
    }
    // T = 3: the joint histogram of each pair, then its 257 projections.
    let pairs = [(0usize, 1usize), (0, 2), (1, 2)];
    let mut joint = vec![vec![0u64; 65_536]; pairs.len()];
    for _ in 0..SPLITS {
        let shares = deal(secret, t);
        for (j, &(a, b)) in pairs.iter().enumerate() {
            for (&ya, &yb) in shares[a].value().iter().zip(shares[b].value()) {
                joint[j][usize::from(ya) << 8 | usize::from(yb)] += 1;
            }
        }
    }
    let mut out = Vec::new();
    for (j, &(a, b)) in pairs.iter().enumerate() {
        // Every c in GF(256), then None for the projection onto y_b alone.
        for c in (0..=255u8).map(Some).chain([None]) {
            let mut h = [0u64; 256];
            for (cell, &n) in joint[j].iter().enumerate() {
                let (ya, yb) = (cell >> 8, cell & 0xff);
                let z = match c {
                    Some(c) => ya ^ usize::from(mul[usize::from(c)][yb]),
                    None => yb,
                };
                h[z] += n;
            }
            let what = match c {
                Some(c) => format!("y{} + {c:#04x}*y{}", a + 1, b + 1),
                None => format!("y{}", b + 1),
            };
            out.push((what, h));
        }
    }
    out
}

/// Every test of one threshold, for one dealer: each secret against the uniform distribution,
/// and the two secrets against each other.
fn tests(deal: &mut Dealer, t: u8, mul: &[[u8; 256]]) -> Vec<Test> {
    let zeros = histograms(deal, &[0x00; SECRET_LEN], t, mul);
    let ones = histograms(deal, &[0xff; SECRET_LEN], t, mul);
    let mut out = Vec::new();
    for ((what, a), (_, b)) in zeros.iter().zip(&ones) {
        out.push(uniform_test(format!("T={t} {what}, secret 00: uniform"), a));
        out.push(uniform_test(format!("T={t} {what}, secret FF: uniform"), b));
        out.push(homogeneity_test(format!("T={t} {what}: 00 vs FF"), a, b));
    }
    out
}

/// The tests of both thresholds, with the lowest p-value first.
fn all_tests(deal: &mut Dealer, mul: &[[u8; 256]]) -> Vec<Test> {
    let mut all = tests(deal, 2, mul);
    all.extend(tests(deal, 3, mul));
    all.sort_by(|a, b| a.p.total_cmp(&b.p));
    all
}

#[test]
fn the_chi_square_distribution_is_computed_right() {
    // Even degrees of freedom have a closed form: Q(k, x) = e^-x sum_{i<k} x^i / i!.
    for (df, x) in [
        (254.0f64, 300.0f64),
        (256.0, 420.0),
        (2.0, 7.0),
        (256.0, 200.0),
    ] {
        let (k, half) = (df as usize / 2, x / 2.0);
        let mut term = (-half).exp();
        let mut sum = 0.0;
        for i in 0..k {
            sum += term;
            term *= half / (i + 1) as f64;
        }
        let got = chi2_sf(x, df);
        assert!(
            (got - sum).abs() <= sum * 1e-9,
            "df {df} x {x}: {got} vs {sum}"
        );
    }
    // Critical values computed with mpmath (gammaincc(255/2, x/2, regularized=True)).
    assert!(
        (chi2_critical(1e-6, DF) - 377.078).abs() < 0.01,
        "{}",
        chi2_critical(1e-6, DF)
    );
}

#[test]
fn the_field_and_the_biased_dealer_are_blahajs() {
    // This file's GF(256) rebuilds real splits by Lagrange interpolation at 0 ...
    for t in [2u8, 3] {
        for s in 0..=255u8 {
            let shares = real(&[s], t);
            let xs: Vec<u8> = (1..=t).collect();
            let mut rebuilt = 0;
            for (i, &xi) in xs.iter().enumerate() {
                let mut l = 1;
                for &xj in xs.iter().filter(|&&xj| xj != xi) {
                    l = gf_mul(l, gf_mul(xj, gf_inv(xj ^ xi)));
                }
                rebuilt ^= gf_mul(l, shares[i].value()[0]);
            }
            assert_eq!(rebuilt, s);
        }
    }
    // ... and the library rebuilds the biased dealer's shares.
    let mut biased = Biased::new();
    for t in [2u8, 3] {
        let secret = [0x00, 0x5a, 0xff];
        let shares = biased.deal(&secret, t);
        let refs: Vec<&SharePoint> = shares.iter().take(usize::from(t)).collect();
        let rebuilt = shamir::combine(&refs, Threshold::new(t).unwrap()).unwrap();
        assert_eq!(rebuilt.as_slice(), secret);
    }
}

#[test]
fn fewer_than_t_shares_say_nothing_and_the_sharks_bias_is_caught() {
    let started = std::time::Instant::now();
    let mul = mul_table();
    let real_tests = all_tests(&mut real, &mul);
    let real_time = started.elapsed();
    let mut biased = Biased::new();
    let biased_tests = all_tests(&mut |s: &[u8], t: u8| biased.deal(s, t), &mul);

    let per_test = FAMILY_ALPHA / real_tests.len() as f64;
    let critical = chi2_critical(per_test, DF);
    let worst = &real_tests[0];
    let caught: Vec<&Test> = biased_tests.iter().filter(|t| t.p < per_test).collect();
    // The figures docs/SECURITY.md quotes (visible with --nocapture).
    println!(
        "{} tests per dealer, each at p < {per_test:.3e} (chi-square critical value {critical:.1} at {DF} df)",
        real_tests.len()
    );
    println!("real sampler, lowest p: {worst:?}");
    println!("real sampler, five largest statistics: {:?}", {
        let mut by_stat = real_tests.clone();
        by_stat.sort_by(|a, b| b.stat.total_cmp(&a.stat));
        by_stat
            .iter()
            .take(5)
            .map(|t| format!("{} {:.1}", t.name, t.stat))
            .collect::<Vec<_>>()
    });
    println!(
        "biased sampler: {} tests fail; the strongest:",
        caught.len()
    );
    for t in caught.iter().take(12) {
        println!("  {t:?}");
    }
    println!(
        "real {:.1} s, both {:.1} s",
        real_time.as_secs_f64(),
        started.elapsed().as_secs_f64()
    );
    assert!(
        worst.p >= per_test,
        "the real split path fails the secrecy test: {worst:?}"
    );
    // The bug shows exactly where the algebra says. T = 2: a share y = s + a1 x is never s
    // when a1 cannot be 0, in every share. T = 3: y_a + c y_b with c = x_a / x_b cancels a1
    // (it is the pair interpolated at 0 up to a factor), with c = (x_a / x_b)^2 it cancels a2;
    // either way a non-zero coefficient is left, which excludes one value. Each of these
    // projections fails all three of its tests; no other test fails.
    let mut expected: Vec<String> = (1..=SHARES).map(|i| format!("T=2 share {i}")).collect();
    for (a, b) in [(1u8, 2u8), (1, 3), (2, 3)] {
        let c = gf_mul(a, gf_inv(b));
        for c in [c, gf_mul(c, c)] {
            expected.push(format!("T=3 y{a} + {c:#04x}*y{b}"));
        }
    }
    let mut expected: Vec<String> = expected
        .iter()
        .flat_map(|p| {
            [
                format!("{p}, secret 00: uniform"),
                format!("{p}, secret FF: uniform"),
                format!("{p}: 00 vs FF"),
            ]
        })
        .collect();
    expected.sort();
    let mut names: Vec<String> = caught.iter().map(|t| t.name.clone()).collect();
    names.sort();
    assert_eq!(
        names, expected,
        "the RUSTSEC-2024-0398 dealer is not caught where it must be"
    );
}
