//! Shamir secret sharing over GF(256) with `blahaj`, plus the checks we do not leave to it:
//! index 0, duplicate indices, mismatched lengths, too few shares, and shares that disagree.

use std::fmt;
use std::num::NonZeroU8;

use blahaj::{Share, Sharks};
use zeroize::Zeroizing;

/// Most T-subsets that are rebuilt one by one when cross-checking; beyond it an equivalent
/// check with N - T + 1 rebuilds is used (see [`check_every_subset`]).
const MAX_SUBSETS: u128 = 5000;

/// How many shares rebuild the secret (T). 1..=255; T = 1 needs an explicit CLI flag.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Threshold(NonZeroU8);

/// How many shares a set has (N), 1..=255.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct ShareCount(NonZeroU8);

/// The x coordinate of a share, 1..=255 (0 would be the secret itself).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ShareIndex(NonZeroU8);

impl Threshold {
    /// A threshold of `t` shares, if `t` is not zero.
    pub fn new(t: u8) -> Option<Self> {
        NonZeroU8::new(t).map(Threshold)
    }
    /// The number of shares needed.
    pub fn get(self) -> u8 {
        self.0.get()
    }
}

impl ShareCount {
    /// A set of `n` shares, if `n` is not zero.
    pub fn new(n: u8) -> Option<Self> {
        NonZeroU8::new(n).map(ShareCount)
    }
    /// The number of shares.
    pub fn get(self) -> u8 {
        self.0.get()
    }
}

impl ShareIndex {
    /// The index `x`, if it is not zero.
    pub fn new(x: u8) -> Option<Self> {
        NonZeroU8::new(x).map(ShareIndex)
    }
    /// The x coordinate.
    pub fn get(self) -> u8 {
        self.0.get()
    }
}

impl fmt::Display for ShareIndex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// Errors of splitting and combining.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ShamirError {
    /// T greater than N.
    #[error("the threshold ({threshold}) cannot be larger than the number of shares ({count})")]
    ThresholdAboveCount {
        /// T.
        threshold: u8,
        /// N.
        count: u8,
    },
    /// Nothing to split.
    #[error("the secret is empty")]
    EmptySecret,
    /// Fewer shares than the threshold.
    #[error("{have} shares were given but {need} are needed")]
    TooFew {
        /// Shares given.
        have: usize,
        /// Threshold.
        need: u8,
    },
    /// An x coordinate of zero.
    #[error("a share has index 0, which no valid share has")]
    ZeroIndex,
    /// The same index twice.
    #[error("share {0} was given twice")]
    Duplicate(ShareIndex),
    /// Shares of different lengths.
    #[error("share {0} has a different length from the others")]
    LengthMismatch(ShareIndex),
    /// More than T shares, and these ones do not agree with the rest.
    #[error("share {} does not agree with the other shares", list(.0))]
    Inconsistent(Vec<ShareIndex>),
    /// More than T shares that disagree, with no way to tell which is wrong.
    #[error(
        "the shares do not agree with each other, and with this few shares coldshard cannot tell which one is wrong"
    )]
    Ambiguous,
    /// A T-subset rebuilt something other than the secret (split self-check).
    #[error("shares {} do not rebuild the secret", list(.0))]
    SubsetMismatch(Vec<ShareIndex>),
    /// The OS random number generator failed.
    #[error("the operating system's random number generator failed: {0}")]
    Random(String),
    /// `blahaj` refused the shares (should not happen after our own checks).
    #[error("combining failed: {0}")]
    Combine(String),
}

fn list(xs: &[ShareIndex]) -> String {
    xs.iter()
        .map(ShareIndex::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// One plaintext share: its index and y values; zeroized on drop, never printed.
pub struct SharePoint {
    index: ShareIndex,
    value: Zeroizing<Vec<u8>>,
}

impl SharePoint {
    /// A share point from its index and value bytes.
    pub fn new(index: ShareIndex, value: Zeroizing<Vec<u8>>) -> Self {
        SharePoint { index, value }
    }
    /// The x coordinate.
    pub fn index(&self) -> ShareIndex {
        self.index
    }
    /// The y values, one per secret byte.
    pub fn value(&self) -> &[u8] {
        &self.value
    }
}

/// Splits `secret` into `count` shares (x = 1..=count), any `threshold` of which rebuild it.
/// Polynomial coefficients come from the OS CSPRNG.
pub fn split(
    secret: &[u8],
    threshold: Threshold,
    count: ShareCount,
) -> Result<Vec<SharePoint>, ShamirError> {
    if secret.is_empty() {
        return Err(ShamirError::EmptySecret);
    }
    if threshold.get() > count.get() {
        return Err(ShamirError::ThresholdAboveCount {
            threshold: threshold.get(),
            count: count.get(),
        });
    }
    let mut rng = CheckedOsRng::default();
    let points = Sharks(threshold.get())
        .dealer_rng(secret, &mut rng)
        .take(usize::from(count.get()))
        .map(|share| {
            let bytes = Zeroizing::new(Vec::from(&share));
            let (x, y) = bytes.split_first().ok_or(ShamirError::EmptySecret)?;
            let index = ShareIndex::new(*x).ok_or(ShamirError::ZeroIndex)?;
            Ok(SharePoint::new(index, Zeroizing::new(y.to_vec())))
        })
        .collect::<Result<Vec<_>, _>>()?;
    match rng.failure {
        // Coefficients were not all random: discard everything dealt.
        Some(reason) => Err(ShamirError::Random(reason)),
        None => Ok(points),
    }
}

/// The OS CSPRNG as the infallible RNG that blahaj's dealer takes. A failure is recorded rather
/// than a panic (as `rand_core::UnwrapErr` would); the output is then zeros and [`split`]
/// discards every share dealt with it.
#[derive(Default)]
struct CheckedOsRng {
    failure: Option<String>,
}

impl CheckedOsRng {
    fn fill(&mut self, dst: &mut [u8]) {
        if let Err(e) = getrandom::fill(dst) {
            self.failure.get_or_insert_with(|| e.to_string());
            dst.fill(0);
        }
    }
}

impl rand_core::TryRng for CheckedOsRng {
    type Error = std::convert::Infallible;

    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        let mut b = [0u8; 4];
        self.fill(&mut b);
        Ok(u32::from_le_bytes(b))
    }

    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        let mut b = [0u8; 8];
        self.fill(&mut b);
        Ok(u64::from_le_bytes(b))
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
        self.fill(dst);
        Ok(())
    }
}

impl rand_core::TryCryptoRng for CheckedOsRng {}

/// Rebuilds the secret from exactly the points given, after our own sanity checks.
pub fn combine(
    points: &[&SharePoint],
    threshold: Threshold,
) -> Result<Zeroizing<Vec<u8>>, ShamirError> {
    validate(points, threshold)?;
    let shares = points
        .iter()
        .map(|p| {
            let mut bytes = Zeroizing::new(Vec::with_capacity(p.value.len() + 1));
            bytes.push(p.index.get());
            bytes.extend_from_slice(&p.value);
            Share::try_from(bytes.as_slice()).map_err(|e| ShamirError::Combine(e.to_string()))
        })
        .collect::<Result<Vec<Share>, _>>()?;
    Sharks(threshold.get())
        .recover(&shares)
        .map(Zeroizing::new)
        .map_err(|e| ShamirError::Combine(e.to_string()))
}

fn validate(points: &[&SharePoint], threshold: Threshold) -> Result<(), ShamirError> {
    if points.len() < usize::from(threshold.get()) {
        return Err(ShamirError::TooFew {
            have: points.len(),
            need: threshold.get(),
        });
    }
    let mut seen = [false; 256];
    let len = points.first().map(|p| p.value.len()).unwrap_or(0);
    for p in points {
        let x = usize::from(p.index.get());
        if x == 0 {
            return Err(ShamirError::ZeroIndex);
        }
        if std::mem::replace(&mut seen[x], true) {
            return Err(ShamirError::Duplicate(p.index));
        }
        if p.value.len() != len || len == 0 {
            return Err(ShamirError::LengthMismatch(p.index));
        }
    }
    Ok(())
}

/// Rebuilds the secret from `points` in any order. With more than T points it checks that they
/// all lie on one polynomial and names those that do not.
pub fn recover(
    points: &[SharePoint],
    threshold: Threshold,
) -> Result<Zeroizing<Vec<u8>>, ShamirError> {
    let mut all: Vec<&SharePoint> = points.iter().collect();
    all.sort_by_key(|p| p.index);
    validate(&all, threshold)?;
    let t = usize::from(threshold.get());
    if all.len() == t {
        return combine(&all, threshold);
    }
    if binomial(all.len(), t) > MAX_SUBSETS {
        return recover_against_base(&all, threshold);
    }
    // Rebuild from every T-subset and take the value most subsets agree on.
    let mut outcomes: Vec<(Zeroizing<Vec<u8>>, usize, Vec<bool>)> = Vec::new();
    for subset in Subsets::new(all.len(), t) {
        let chosen: Vec<&SharePoint> = subset.iter().filter_map(|&i| all.get(i).copied()).collect();
        let secret = combine(&chosen, threshold)?;
        let slot = match outcomes.iter().position(|(s, _, _)| *s == secret) {
            Some(i) => i,
            None => {
                outcomes.push((secret, 0, vec![false; all.len()]));
                outcomes.len() - 1
            }
        };
        if let Some((_, count, members)) = outcomes.get_mut(slot) {
            *count += 1;
            for &i in &subset {
                if let Some(m) = members.get_mut(i) {
                    *m = true;
                }
            }
        }
    }
    outcomes.sort_by_key(|o| std::cmp::Reverse(o.1));
    match outcomes.as_slice() {
        [(_, _, _)] => {}
        // Name the shares outside the majority only when that group is provably the one
        // largest consistent group (see recover_against_base for the bound).
        [(_, best, members), (_, second, _), ..]
            if best > second && 2 * members.iter().filter(|m| **m).count() > all.len() + t - 1 =>
        {
            let odd: Vec<ShareIndex> = all
                .iter()
                .zip(members)
                .filter(|(_, in_majority)| !**in_majority)
                .map(|(p, _)| p.index)
                .collect();
            return Err(ShamirError::Inconsistent(odd));
        }
        _ => return Err(ShamirError::Ambiguous),
    }
    outcomes
        .into_iter()
        .next()
        .map(|(secret, _, _)| secret)
        .ok_or(ShamirError::Ambiguous)
}

/// For very many shares: take T shares as a base, rebuild, and check every other share against
/// T - 1 of the base (T - 1 points plus the secret fix the polynomial, so this is exact).
/// Shares are named only when the group agreeing with the base is provably the one largest
/// consistent group: two different polynomials of degree T - 1 share at most T - 1 points, so
/// `a` agreeing shares out of `n` are unique when 2a > n + T - 1. Up to eight disjoint bases
/// are tried, so that one odd share inside the first base does not get honest shares named.
fn recover_against_base(
    all: &[&SharePoint],
    threshold: Threshold,
) -> Result<Zeroizing<Vec<u8>>, ShamirError> {
    let t = usize::from(threshold.get());
    let n = all.len();
    for start in (0..n.saturating_sub(t - 1)).step_by(t).take(8) {
        let base: Vec<&SharePoint> = all.iter().skip(start).take(t).copied().collect();
        let secret = combine(&base, threshold)?;
        let mut odd = Vec::new();
        for p in all
            .iter()
            .filter(|p| !base.iter().any(|b| b.index == p.index))
        {
            let mut probe: Vec<&SharePoint> = base.iter().take(t - 1).copied().collect();
            probe.push(p);
            if combine(&probe, threshold)? != secret {
                odd.push(p.index);
            }
        }
        if odd.is_empty() {
            return Ok(secret);
        }
        let agreeing = n - odd.len();
        if 2 * agreeing > n + t - 1 {
            return Err(ShamirError::Inconsistent(odd));
        }
    }
    Err(ShamirError::Ambiguous)
}

/// The share at index `at` on the polynomial through the first T of `points`, for re-issue.
///
/// Lagrange interpolation at `at` equals interpolation at 0 after adding `at` to every x: in
/// GF(2^8) addition is XOR, so `at - x_m = 0 - (x_m ^ at)` while `x_j - x_m` is unchanged. That
/// lets blahaj's own interpolation do the work. `points` must already agree (see [`recover`]).
pub fn evaluate_at(
    points: &[SharePoint],
    threshold: Threshold,
    at: ShareIndex,
) -> Result<SharePoint, ShamirError> {
    let base: Vec<&SharePoint> = points.iter().take(usize::from(threshold.get())).collect();
    validate(&base, threshold)?;
    if let Some(same) = base.iter().find(|p| p.index == at) {
        return Ok(SharePoint::new(at, same.value.clone()));
    }
    let shifted = base
        .iter()
        .map(|p| {
            ShareIndex::new(p.index.get() ^ at.get())
                .map(|x| SharePoint::new(x, p.value.clone()))
                .ok_or(ShamirError::ZeroIndex)
        })
        .collect::<Result<Vec<_>, _>>()?;
    let refs: Vec<&SharePoint> = shifted.iter().collect();
    Ok(SharePoint::new(at, combine(&refs, threshold)?))
}

/// Checks that every T-subset of `points` rebuilds exactly `expected`.
///
/// Up to [`MAX_SUBSETS`] subsets are rebuilt one by one. Beyond that the equivalent check is
/// used: the first T - 1 shares together with each remaining share rebuild `expected`. A
/// polynomial of degree T - 1 is fixed by T points, so this puts every share on the one
/// polynomial through the first T - 1 shares and (0, secret), and then every T-subset of
/// points on that polynomial rebuilds the secret.
pub fn check_every_subset(
    points: &[SharePoint],
    threshold: Threshold,
    expected: &[u8],
) -> Result<(), ShamirError> {
    let all: Vec<&SharePoint> = points.iter().collect();
    validate(&all, threshold)?;
    let t = usize::from(threshold.get());
    let subsets: Box<dyn Iterator<Item = Vec<usize>>> = if binomial(all.len(), t) <= MAX_SUBSETS {
        Box::new(Subsets::new(all.len(), t))
    } else {
        Box::new((t - 1..all.len()).map(move |j| (0..t - 1).chain([j]).collect()))
    };
    for subset in subsets {
        let chosen: Vec<&SharePoint> = subset.iter().filter_map(|&i| all.get(i).copied()).collect();
        if combine(&chosen, threshold)?.as_slice() != expected {
            return Err(ShamirError::SubsetMismatch(
                chosen.iter().map(|p| p.index).collect(),
            ));
        }
    }
    Ok(())
}

/// n choose k, saturating.
fn binomial(n: usize, k: usize) -> u128 {
    let k = k.min(n.saturating_sub(k));
    (0..k).fold(1u128, |acc, i| {
        // acc * (n - i) / (i + 1) is exact at every step; once saturated, stay saturated.
        acc.checked_mul((n - i) as u128)
            .map(|v| v / (i as u128 + 1))
            .unwrap_or(u128::MAX)
    })
}

/// All k-element subsets of 0..n in lexicographic order.
struct Subsets {
    n: usize,
    current: Option<Vec<usize>>,
}

impl Subsets {
    fn new(n: usize, k: usize) -> Self {
        let current = (k <= n).then(|| (0..k).collect());
        Subsets { n, current }
    }
}

impl Iterator for Subsets {
    type Item = Vec<usize>;

    fn next(&mut self) -> Option<Vec<usize>> {
        let out = self.current.take()?;
        let k = out.len();
        let mut next = out.clone();
        // Find the rightmost position that can still move right.
        let mut i = k;
        while i > 0 {
            i -= 1;
            if next[i] < self.n - k + i {
                next[i] += 1;
                for j in i + 1..k {
                    next[j] = next[j - 1] + 1;
                }
                self.current = Some(next);
                break;
            }
        }
        Some(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(x: u8) -> Threshold {
        Threshold::new(x).unwrap()
    }
    fn n(x: u8) -> ShareCount {
        ShareCount::new(x).unwrap()
    }

    #[test]
    fn subsets_and_binomial_agree() {
        for size in 0..8 {
            for k in 0..=size {
                let got: Vec<_> = Subsets::new(size, k).collect();
                assert_eq!(got.len() as u128, binomial(size, k), "{size} choose {k}");
                assert!(got.windows(2).all(|w| w[0] < w[1]));
            }
        }
        assert_eq!(binomial(10, 3), 120);
        assert_eq!(
            binomial(255, 128),
            u128::MAX,
            "saturates instead of overflowing"
        );
        assert!(binomial(40, 20) > MAX_SUBSETS);
    }

    #[test]
    fn evaluate_at_reproduces_dealt_shares_and_makes_new_ones_on_the_same_polynomial() {
        let secret = b"re-issue me, byte for byte";
        let points = split(secret, t(3), n(6)).unwrap();
        let base: Vec<SharePoint> = [3usize, 0, 5]
            .iter()
            .map(|&i| SharePoint::new(points[i].index, points[i].value.clone()))
            .collect();
        for p in &points {
            let again = evaluate_at(&base, t(3), p.index).unwrap();
            assert_eq!(again.value(), p.value(), "share {}", p.index);
        }
        // A new index: any two dealt shares and the new one rebuild the secret.
        let added = evaluate_at(&base, t(3), ShareIndex::new(200).unwrap()).unwrap();
        assert!(!points.iter().any(|p| p.value() == added.value()));
        let trio = [&points[1], &points[4], &added];
        assert_eq!(combine(&trio, t(3)).unwrap().as_slice(), secret);
        // Too few points to fix the polynomial.
        assert_eq!(
            evaluate_at(&base[..2], t(3), ShareIndex::new(9).unwrap()).err(),
            Some(ShamirError::TooFew { have: 2, need: 3 })
        );
    }

    #[test]
    fn split_and_recover_in_any_order() {
        let secret = b"correct horse battery staple";
        let mut shares = split(secret, t(3), n(5)).unwrap();
        assert_eq!(shares.len(), 5);
        shares.reverse();
        assert_eq!(recover(&shares[..3], t(3)).unwrap().as_slice(), secret);
        assert_eq!(recover(&shares, t(3)).unwrap().as_slice(), secret);
        check_every_subset(&shares, t(3), secret).unwrap();
        assert_eq!(
            recover(&shares[..2], t(3)).unwrap_err(),
            ShamirError::TooFew { have: 2, need: 3 }
        );
    }

    #[test]
    fn duplicates_and_lengths_are_refused_before_blahaj() {
        let shares = split(b"abc", t(2), n(3)).unwrap();
        let dup = SharePoint::new(shares[0].index, Zeroizing::new(shares[1].value.to_vec()));
        let refs = [&shares[0], &dup];
        assert_eq!(
            combine(&refs, t(2)).unwrap_err(),
            ShamirError::Duplicate(shares[0].index)
        );
        let short = SharePoint::new(ShareIndex::new(9).unwrap(), Zeroizing::new(vec![1, 2]));
        let refs = [&shares[0], &short];
        assert!(matches!(
            combine(&refs, t(2)),
            Err(ShamirError::LengthMismatch(_))
        ));
    }

    #[test]
    fn an_altered_share_is_named_when_there_are_enough_others() {
        let secret = [42u8; 32];
        let mut shares = split(&secret, t(2), n(5)).unwrap();
        shares[2].value[0] ^= 0x55;
        assert_eq!(
            recover(&shares, t(2)).unwrap_err(),
            ShamirError::Inconsistent(vec![ShareIndex::new(3).unwrap()])
        );
        // With exactly T + 1 shares the odd one cannot be told apart.
        assert_eq!(
            recover(&shares[..3], t(2)).unwrap_err(),
            ShamirError::Ambiguous
        );
        assert!(matches!(
            check_every_subset(&shares, t(2), &secret),
            Err(ShamirError::SubsetMismatch(_))
        ));
    }

    #[test]
    fn large_sets_use_the_base_polynomial_check() {
        let secret = [7u8; 16];
        let mut shares = split(&secret, t(20), n(60)).unwrap();
        assert!(binomial(60, 20) > MAX_SUBSETS);
        check_every_subset(&shares, t(20), &secret).unwrap();
        assert_eq!(recover(&shares, t(20)).unwrap().as_slice(), &secret);
        shares[41].value[3] ^= 1;
        assert_eq!(
            recover(&shares, t(20)).unwrap_err(),
            ShamirError::Inconsistent(vec![ShareIndex::new(42).unwrap()])
        );
        assert!(check_every_subset(&shares, t(20), &secret).is_err());
        // The odd share inside the first base: still it, not the honest ones, is named.
        shares[41].value[3] ^= 1;
        shares[0].value[0] ^= 1;
        assert_eq!(
            recover(&shares, t(20)).unwrap_err(),
            ShamirError::Inconsistent(vec![ShareIndex::new(1).unwrap()])
        );
        // Eleven odd shares out of forty: the honest 29 cannot outvote them provably
        // (2 x 29 <= 40 + 19), so nobody is named.
        for share in shares.iter_mut().take(11) {
            share.value[1] ^= 1;
        }
        assert!(binomial(40, 20) > MAX_SUBSETS);
        assert_eq!(
            recover(&shares[..40], t(20)).unwrap_err(),
            ShamirError::Ambiguous
        );
    }

    #[test]
    fn threshold_above_count_is_refused() {
        assert!(matches!(
            split(b"x", t(4), n(3)),
            Err(ShamirError::ThresholdAboveCount { .. })
        ));
    }
}
