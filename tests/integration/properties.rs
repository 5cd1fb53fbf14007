//! Property tests of split and recover (library level; the binary is covered elsewhere).

use coldshard::crypto::{Argon2Params, Kdf, SetKey};
use coldshard::format::{EncryptedShare, SetId, ShareHeader};
use coldshard::passphrase::Passphrase;
use coldshard::secret::SecretKind;
use coldshard::shamir::{self, ShamirError, ShareCount, SharePoint, Threshold};
use proptest::prelude::*;
use proptest::sample::subsequence;

/// Subsets rebuilt one by one per case; beyond this, `check_every_subset` proves the rest
/// (T - 1 fixed shares plus each other share, which is equivalent; see src/shamir.rs).
const ENUMERATE_UP_TO: usize = 300;

fn subsets(n: usize, k: usize) -> Vec<Vec<usize>> {
    fn go(start: usize, n: usize, k: usize, cur: &mut Vec<usize>, out: &mut Vec<Vec<usize>>) {
        if cur.len() == k {
            out.push(cur.clone());
            return;
        }
        for i in start..n {
            if out.len() > ENUMERATE_UP_TO {
                return;
            }
            cur.push(i);
            go(i + 1, n, k, cur, out);
            cur.pop();
        }
    }
    let mut out = Vec::new();
    go(0, n, k, &mut Vec::new(), &mut out);
    out
}

fn pick<'a>(points: &'a [SharePoint], idx: &[usize]) -> Vec<&'a SharePoint> {
    idx.iter().map(|&i| &points[i]).collect()
}

fn t_and_n() -> impl Strategy<Value = (u8, u8)> {
    (1u8..=20).prop_flat_map(|n| (1u8..=n, Just(n)))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    /// Every T-subset rebuilds the secret; every (T-1)-subset is refused as too few.
    #[test]
    fn every_t_subset_rebuilds_and_fewer_are_refused(
        secret in proptest::collection::vec(any::<u8>(), 1..=256),
        (t, n) in t_and_n(),
        extra in subsequence((0..20usize).collect::<Vec<_>>(), 0..=20),
    ) {
        let threshold = Threshold::new(t).unwrap();
        let points = shamir::split(&secret, threshold, ShareCount::new(n).unwrap()).unwrap();
        prop_assert_eq!(points.len(), usize::from(n));

        let all_t = subsets(usize::from(n), usize::from(t));
        for s in all_t.iter().take(ENUMERATE_UP_TO) {
            let got = shamir::combine(&pick(&points, s), threshold).unwrap();
            prop_assert_eq!(got.as_slice(), secret.as_slice());
        }
        // The proof-based check covers subsets beyond the enumerated ones.
        shamir::check_every_subset(&points, threshold, &secret).unwrap();
        // Any order, and any number of shares from T to N.
        let mut chosen: Vec<usize> = extra.into_iter().filter(|&i| i < usize::from(n)).collect();
        chosen.reverse();
        if chosen.len() >= usize::from(t) {
            let owned: Vec<SharePoint> = chosen.iter().map(|&i| SharePoint::new(points[i].index(), zeroize::Zeroizing::new(points[i].value().to_vec()))).collect();
            let rebuilt = shamir::recover(&owned, threshold).unwrap();
            prop_assert_eq!(rebuilt.as_slice(), secret.as_slice());
        }

        if t > 1 {
            for s in subsets(usize::from(n), usize::from(t) - 1).iter().take(ENUMERATE_UP_TO) {
                let err = shamir::combine(&pick(&points, s), threshold).err();
                prop_assert_eq!(err, Some(ShamirError::TooFew { have: usize::from(t) - 1, need: t }));
            }
        }
    }

    /// Encrypting and decoding any share is lossless, and a changed passphrase fails to open.
    #[test]
    fn encrypted_shares_round_trip(
        value in proptest::collection::vec(any::<u8>(), 33..=288),
        pass in "\\PC{0,24}",
        salt in any::<[u8; 16]>(),
        nonce in any::<[u8; 24]>(),
        index in 1u8..=255,
    ) {
        let key = SetKey::from_seed(&[3; 32]).unwrap();
        let header = ShareHeader {
            set_id: SetId::of_public_key(&key.public_key()),
            index: coldshard::shamir::ShareIndex::new(index).unwrap(),
            threshold: Threshold::new(1).unwrap(),
            count: ShareCount::new(255).unwrap(),
            kind: SecretKind::Raw,
            secret_len: (value.len() - 32) as u16,
            kdf: Kdf::Argon2id(Argon2Params::new(8, 1, 1).unwrap()),
            salt,
            nonce,
            set_key: key.public_key(),
            commitment: [9; 16],
        };
        let point = SharePoint::new(header.index, zeroize::Zeroizing::new(value.clone()));
        let share = EncryptedShare::seal(header, &point, &Passphrase::new(&pass), &key).unwrap();
        let text = coldshard::armor::encode(&share, None);
        let back = coldshard::armor::decode(text.as_bytes()).unwrap().share;
        prop_assert_eq!(&back, &share);
        let opened = back.open(&Passphrase::new(&pass)).ok().unwrap();
        prop_assert_eq!(opened.value(), value.as_slice());
        let wrong = format!("{pass}x");
        prop_assert!(back.open(&Passphrase::new(&wrong)).is_err());
    }
}

/// Small sets exhaustively: every subset of every size behaves as it should.
#[test]
fn small_sets_exhaustively() {
    for n in 1u8..=7 {
        for t in 1u8..=n {
            let threshold = Threshold::new(t).unwrap();
            let secret = [n, t, 0xAA, 0x55];
            let points = shamir::split(&secret, threshold, ShareCount::new(n).unwrap()).unwrap();
            for k in 1..=usize::from(n) {
                for s in subsets(usize::from(n), k) {
                    let got = shamir::combine(&pick(&points, &s), threshold);
                    if k >= usize::from(t) {
                        assert_eq!(got.unwrap().as_slice(), &secret, "{t}-of-{n} subset {s:?}");
                    } else {
                        assert!(matches!(got, Err(ShamirError::TooFew { .. })));
                    }
                }
            }
        }
    }
}
