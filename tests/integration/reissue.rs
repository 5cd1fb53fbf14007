//! `coldshard reissue`: a fresh share for a lost index (same point, new passphrase, new file)
//! or added shares, with the manifest's next revision; what it refuses, and that the new
//! shares recover and drill with the originals.

use assert_cmd::Command;
use coldshard::armor;
use coldshard::passphrase::Passphrase;

use crate::drill::{LABELS, LEGAL, Set, drill, drill_fails, pass_line, secret_passphrases};
use crate::manifest::{independently_genuine, load};
use crate::util::{
    Work, coldshard, file_sha256, refused, run_ok, sha256_hex, share_bytes, share_path,
};

/// `reissue --manifest M --out OUT SHARES [--passphrase-file P] [--new-passphrase-file NP]`
/// and `extra` (`--index I`, `--add K`, labels).
fn reissue(
    manifest: &str,
    out: &str,
    shares: &[&str],
    pass: Option<&str>,
    new_pass: Option<&str>,
    extra: &[&str],
) -> Command {
    let mut cmd = coldshard();
    cmd.args(["reissue", "--manifest", manifest, "--out", out])
        .args(extra)
        .args(shares);
    if let Some(p) = pass {
        cmd.args(["--passphrase-file", p]);
    }
    if let Some(p) = new_pass {
        cmd.args(["--new-passphrase-file", p]);
    }
    cmd
}

/// `recover SHARES --passphrase-file P --reveal`: what it prints on stdout.
fn reveal(shares: &[&str], pass: &str) -> String {
    run_ok(
        coldshard()
            .arg("recover")
            .args(shares)
            .args(["--passphrase-file", pass, "--reveal"]),
    )
}

/// The decrypted share value of a share file under `passphrase`.
fn value(share_file: &str, passphrase: &str) -> (u8, Vec<u8>) {
    let armored = armor::decode(&std::fs::read(share_file).expect("share")).expect("decode");
    let point = armored
        .share
        .open(&Passphrase::new(passphrase))
        .expect("opens");
    (point.index().get(), point.value().to_vec())
}

/// Re-issues share 2 of the labelled 3-of-5 set from shares 1, 3, 5 into "re2".
fn reissue_two(set: &Set) -> (String, String) {
    let pass = set.passes("p135.txt", &[1, 3, 5]);
    let new_pass = set.work.passfile("new2.txt", &["Fresh-heron-2"]);
    let out = set.work.path("re2").to_string_lossy().into_owned();
    let stdout = run_ok(&mut reissue(
        &set.manifest,
        &out,
        &[set.share(1), set.share(3), set.share(5)],
        Some(&pass),
        Some(&new_pass),
        &["--index", "2"],
    ));
    (out, stdout)
}

/// A re-issued share: new file and passphrase, same point; it recovers with original shares.
#[test]
fn a_reissued_share_recovers_with_original_shares() {
    let set = Set::new();
    let (out, stdout) = reissue_two(&set);
    assert!(
        stdout.starts_with(&format!(
            "Re-issued share 2 of 5 (bob) of set {}: the same share value as before, under a new passphrase.\n",
            set.set_id
        )),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!(
            "Files in '{out}':\n{}  (bob)\n  manifest.json\n",
            crate::util::files_line("share-2-of-5")
        )),
        "{stdout}"
    );
    // Nothing secret in what it printed or recorded.
    let manifest_text = std::fs::read_to_string(format!("{out}/manifest.json")).expect("manifest");
    let words: Vec<&str> = LEGAL.split(' ').collect();
    for haystack in [&stdout, &manifest_text] {
        assert!(!haystack.contains("Fresh-heron-2"), "{haystack}");
        for p in secret_passphrases() {
            assert!(!haystack.contains(&p), "{haystack}");
        }
        for w in words.windows(3) {
            assert!(!haystack.contains(&w.join(" ")), "{haystack}");
        }
    }
    let mut names: Vec<String> = std::fs::read_dir(&out)
        .expect("out")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, crate::util::folder_names(&["share-2-of-5"]));

    let new2 = share_path(std::path::Path::new(&out), 2, 5);
    let new_text = std::fs::read_to_string(&new2).expect("new share");
    assert_ne!(
        new_text,
        std::fs::read_to_string(set.share(2)).expect("old")
    );
    assert_ne!(share_bytes(&new2), share_bytes(set.share(2)));
    assert!(new_text.contains("\nShare: 2 of 5\n"), "{new_text}");
    assert!(
        new_text.contains("\nLabel: bob\n"),
        "the label on record: {new_text}"
    );
    assert!(new_text.contains(&format!("\nSet: {}\n", set.set_id)));
    // Same point, new passphrase; the old passphrase does not open it.
    assert_eq!(
        value(&new2, "Fresh-heron-2"),
        value(set.share(2), &secret_passphrases()[1])
    );
    let old_pass = Passphrase::new(&secret_passphrases()[1]);
    let armored = armor::decode(new_text.as_bytes()).expect("decode");
    assert!(armored.share.open(&old_pass).is_err());

    let all = secret_passphrases();
    let p = set
        .work
        .passfile("p-new2-4-5.txt", &["Fresh-heron-2", &all[3], &all[4]]);
    assert_eq!(
        reveal(&[&new2, set.share(4), set.share(5)], &p),
        format!("{LEGAL}\n")
    );
    let p = set
        .work
        .passfile("p-1-new2.txt", &[&all[0], "Fresh-heron-2", &all[2]]);
    assert_eq!(
        reveal(&[set.share(1), &new2, set.share(3)], &p),
        format!("{LEGAL}\n")
    );
}

/// The new manifest: revision 2, linked to the old file, entry 2 replaced, others kept, genuine.
#[test]
fn a_reissue_writes_the_next_manifest_revision() {
    let set = Set::new();
    let old_sha = file_sha256(&set.manifest);
    let (out, _) = reissue_two(&set);
    let new_manifest = format!("{out}/manifest.json");
    let new2 = share_path(std::path::Path::new(&out), 2, 5);
    let old = load(&set.manifest)["manifest"].clone();
    let new = load(&new_manifest)["manifest"].clone();
    assert_eq!(new["revision"], 2);
    assert_eq!(new["previous_manifest_sha256"], old_sha.as_str());
    for same in [
        "format",
        "version",
        "set_id",
        "set_public_key",
        "threshold",
        "count",
        "created",
        "tool",
        "secret",
        "kdf",
    ] {
        assert_eq!(new[same], old[same], "{same}");
    }
    assert!(new["updated"].as_str().expect("time") >= old["updated"].as_str().expect("time"));
    let (new_shares, old_shares) = (
        new["shares"].as_array().expect("shares"),
        old["shares"].as_array().expect("shares"),
    );
    assert_eq!(new_shares.len(), 5);
    for i in [0, 2, 3, 4] {
        assert_eq!(new_shares[i], old_shares[i], "entry {}", i + 1);
    }
    let entry = &new_shares[1];
    assert_eq!(entry["index"], 2);
    assert_eq!(entry["label"], "bob");
    assert_eq!(entry["share_sha256"], sha256_hex(&share_bytes(&new2)));
    assert_ne!(entry["share_sha256"], old_shares[1]["share_sha256"]);
    assert_eq!(entry["files"], crate::util::expected_files(&new2));
    assert!(independently_genuine(
        &std::fs::read_to_string(&new_manifest).expect("manifest")
    ));

    let stdout = run_ok(coldshard().args(["manifest", "verify", &new_manifest]));
    assert!(
        stdout.starts_with(&format!(
            "OK  {new_manifest}: genuine manifest of set {}",
            set.set_id
        )),
        "{stdout}"
    );
    assert!(stdout.contains("revision 2, updated "), "{stdout}");
    assert!(
        stdout.contains("share-2-of-5.txt: present, SHA-256 matches\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains("share-1-of-5.txt: not in this folder\n"),
        "{stdout}"
    );
}

/// Drill against revision 2: the new share PASSes, the old copy FAILs (and vice versa for rev. 1).
#[test]
fn the_drill_knows_which_copy_of_a_reissued_share_is_on_record() {
    let set = Set::new();
    let (out, _) = reissue_two(&set);
    let new_manifest = format!("{out}/manifest.json");
    let new2 = share_path(std::path::Path::new(&out), 2, 5);
    let all = secret_passphrases();
    let pass = set
        .work
        .passfile("p-1-new2-3.txt", &[&all[0], "Fresh-heron-2", &all[2]]);
    let shares = [set.share(1), new2.as_str(), set.share(3)];
    let stdout = run_ok(&mut drill(&new_manifest, &shares, Some(&pass), None));
    for (i, file) in [1, 2, 3].into_iter().zip(shares) {
        assert!(stdout.contains(&pass_line(i, file)), "{stdout}");
    }
    assert!(stdout.contains("(revision 2, SHA-256 "), "{stdout}");
    assert!(
        stdout.contains("Result: PASS (3 of 3 shares passed)"),
        "{stdout}"
    );

    // The old copy of share 2 against the new revision.
    let pass = set.passes("p-1-2-3-4.txt", &[1, 2, 3, 4]);
    let old = [set.share(1), set.share(2), set.share(3), set.share(4)];
    let r = drill_fails(&mut drill(&new_manifest, &old, Some(&pass), None));
    assert!(
        r.stdout.contains(&format!(
            "FAIL  share 2 (bob) '{}': it is not the share the manifest records for index 2",
            old[1]
        )),
        "{}",
        r.stdout
    );
    assert_eq!(r.stdout.matches("FAIL  ").count(), 1, "{}", r.stdout);

    // The new share against the old revision.
    let r = drill_fails(&mut drill(
        &set.manifest,
        &shares,
        Some(&pass_for(&set, &all)),
        None,
    ));
    assert!(
        r.stdout.contains(&format!(
            "FAIL  share 2 (bob) '{new2}': it is not the share the manifest records for index 2"
        )),
        "{}",
        r.stdout
    );
}

/// Passphrases of share 1, the re-issued share 2 and share 3.
fn pass_for(set: &Set, all: &[String]) -> String {
    set.work
        .passfile("p-old-manifest.txt", &[&all[0], "Fresh-heron-2", &all[2]])
}

/// `--add 2` with labels: files share-6/7-added, seven entries; they recover with one original.
#[test]
fn added_shares_recover_with_one_original() {
    let set = Set::new();
    let pass = set.passes("p245.txt", &[2, 4, 5]);
    let new_pass = set
        .work
        .passfile("new67.txt", &["Added-lynx-6", "Added-lynx-7"]);
    let out = set.work.path("added").to_string_lossy().into_owned();
    let stdout = run_ok(&mut reissue(
        &set.manifest,
        &out,
        &[set.share(2), set.share(4), set.share(5)],
        Some(&pass),
        Some(&new_pass),
        &["--add", "2", "--label", "frank", "--label", "grace"],
    ));
    assert!(
        stdout.starts_with(&format!(
            "Added shares 6, 7 to set {}: any 3 shares of the set still rebuild the secret.\n",
            set.set_id
        )),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!(
            "{}  (frank)\n{}  (grace)\n  manifest.json\n",
            crate::util::files_line("share-6-added"),
            crate::util::files_line("share-7-added")
        )),
        "{stdout}"
    );
    let s6 = format!("{out}/share-6-added.txt");
    let s7 = format!("{out}/share-7-added.txt");
    let text6 = std::fs::read_to_string(&s6).expect("share 6");
    assert!(
        text6.contains("\nShare: 6 of 5\n") && text6.contains("\nLabel: frank\n"),
        "{text6}"
    );

    let m = load(format!("{out}/manifest.json"))["manifest"].clone();
    assert_eq!(m["revision"], 2);
    assert_eq!(m["count"], 5, "N stays the count of the original split");
    assert_eq!(
        m["previous_manifest_sha256"],
        file_sha256(&set.manifest).as_str()
    );
    let entries = m["shares"].as_array().expect("shares");
    let indices: Vec<u64> = entries
        .iter()
        .map(|e| e["index"].as_u64().expect("index"))
        .collect();
    assert_eq!(indices, [1, 2, 3, 4, 5, 6, 7]);
    let labels: Vec<&str> = entries
        .iter()
        .map(|e| e["label"].as_str().expect("label"))
        .collect();
    assert_eq!(
        labels,
        ["alice", "bob", "carol", "dave", "erin", "frank", "grace"]
    );
    assert_eq!(entries[5]["files"][0]["name"], "share-6-added.txt");
    assert_eq!(entries[5]["files"][0]["sha256"], file_sha256(&s6).as_str());
    assert_eq!(
        entries[6]["share_sha256"],
        sha256_hex(&share_bytes(&s7)).as_str()
    );
    assert_eq!(entries[0], load(&set.manifest)["manifest"]["shares"][0]);

    let inspect = run_ok(coldshard().args(["inspect", &s6]));
    assert!(
        inspect.contains("Share:      6, added after the split into 5"),
        "{inspect}"
    );

    let all = secret_passphrases();
    let p = set
        .work
        .passfile("p-6-7-1.txt", &["Added-lynx-6", "Added-lynx-7", &all[0]]);
    assert_eq!(reveal(&[&s6, &s7, set.share(1)], &p), format!("{LEGAL}\n"));

    let new_manifest = format!("{out}/manifest.json");
    let r = run_ok(&mut drill(
        &new_manifest,
        &[&s6, &s7, set.share(1)],
        Some(&p),
        None,
    ));
    assert!(
        r.contains(&format!(
            "PASS  share 6 (frank) '{s6}': genuine, passphrase correct, agrees with the record"
        )),
        "{r}"
    );
    assert!(r.contains(&format!("PASS  share 7 (grace) '{s7}'")), "{r}");
    assert!(r.contains("Result: PASS (3 of 3 shares passed)"), "{r}");
}

/// `--index` of a share the manifest does not list: exit 2 before any passphrase.
#[test]
fn an_index_not_on_record_exit_2() {
    let set = Set::new();
    let out = set.work.path("re9").to_string_lossy().into_owned();
    let err = refused(
        &set.work,
        &mut reissue(
            &set.manifest,
            &out,
            &[set.share(1), set.share(2), set.share(3)],
            None,
            None,
            &["--index", "9"],
        ),
        2,
    );
    assert!(
        err.contains("error: the manifest lists no share 9; to add shares to the set, use --add"),
        "{err}"
    );
    assert!(!err.contains("terminal"), "{err}");
}

/// `--add 251` on a set of 5: at most 250 more fit under 255; exit 2 before any passphrase.
#[test]
fn adding_past_255_shares_exit_2() {
    let set = Set::new();
    let out = set.work.path("many").to_string_lossy().into_owned();
    let err = refused(
        &set.work,
        &mut reissue(
            &set.manifest,
            &out,
            &[set.share(1), set.share(2), set.share(3)],
            None,
            None,
            &["--add", "251"],
        ),
        2,
    );
    assert!(
        err.contains(
            "a set holds at most 255 shares; 5 are on record, so at most 250 can be added"
        ),
        "{err}"
    );
    assert!(!err.contains("terminal"), "{err}");
}

/// `--add 250` on a set of 5 fills it to index 255; share 255 recovers; `--add 1` is then refused.
#[test]
fn adding_up_to_255_shares_works_and_then_stops() {
    let set = Set::new();
    let pass = set.passes("p123.txt", &[1, 2, 3]);
    let new_pass = set.work.passfile("one-for-all.txt", &["Crowd-of-250"]);
    let out = set.work.path("many").to_string_lossy().into_owned();
    let stdout = run_ok(&mut reissue(
        &set.manifest,
        &out,
        &[set.share(1), set.share(2), set.share(3)],
        Some(&pass),
        Some(&new_pass),
        &["--add", "250"],
    ));
    assert!(
        stdout.contains(&format!(
            "{}\n  manifest.json\n",
            crate::util::files_line("share-255-added")
        )),
        "{stdout}"
    );
    assert_eq!(
        std::fs::read_dir(&out).expect("out").count(),
        250 * coldshard::issue::EXTENSIONS.len() + 1
    );
    let new_manifest = format!("{out}/manifest.json");
    let entries = load(&new_manifest)["manifest"]["shares"]
        .as_array()
        .expect("shares")
        .len();
    assert_eq!(entries, 255);

    let s255 = format!("{out}/share-255-added.txt");
    let all = secret_passphrases();
    let p = set
        .work
        .passfile("p-255-4-5.txt", &["Crowd-of-250", &all[3], &all[4]]);
    assert_eq!(
        reveal(&[&s255, set.share(4), set.share(5)], &p),
        format!("{LEGAL}\n")
    );

    let more = set.work.path("more").to_string_lossy().into_owned();
    let err = refused(
        &set.work,
        &mut reissue(
            &new_manifest,
            &more,
            &[set.share(1), set.share(2), set.share(3)],
            None,
            None,
            &["--add", "1"],
        ),
        2,
    );
    assert!(
        err.contains(
            "a set holds at most 255 shares; 255 are on record, so at most 0 can be added"
        ),
        "{err}"
    );
}

/// `--index 2 --label NAME` re-labels the share: on the sheet, in the manifest, in the drill.
#[test]
fn a_reissue_can_give_the_share_a_new_label() {
    let set = Set::new();
    let pass = set.passes("p135.txt", &[1, 3, 5]);
    let new_pass = set.work.passfile("new2.txt", &["Fresh-heron-2"]);
    let out = set.work.path("re2").to_string_lossy().into_owned();
    let stdout = run_ok(&mut reissue(
        &set.manifest,
        &out,
        &[set.share(1), set.share(3), set.share(5)],
        Some(&pass),
        Some(&new_pass),
        &["--index", "2", "--label", "robert"],
    ));
    assert!(
        stdout.contains("Re-issued share 2 of 5 (robert) of set"),
        "{stdout}"
    );
    let new2 = share_path(std::path::Path::new(&out), 2, 5);
    let text = std::fs::read_to_string(&new2).expect("share");
    assert!(text.contains("\nLabel: robert\n"), "{text}");
    let new_manifest = format!("{out}/manifest.json");
    let m = load(&new_manifest);
    assert_eq!(m["manifest"]["shares"][1]["label"], "robert");
    assert_eq!(m["manifest"]["shares"][0]["label"], "alice");
    let all = secret_passphrases();
    let p = set
        .work
        .passfile("p-new2-4-5.txt", &["Fresh-heron-2", &all[3], &all[4]]);
    let r = run_ok(&mut drill(
        &new_manifest,
        &[&new2, set.share(4), set.share(5)],
        Some(&p),
        None,
    ));
    assert!(
        r.contains(&format!("PASS  share 2 (robert) '{new2}'")),
        "{r}"
    );
}

/// Shares of set A with the manifest of set B: exit 1 naming both sets.
#[test]
fn the_manifest_of_another_set_exit_1() {
    let set = Set::new();
    let (_, other_out) = set
        .work
        .split_labeled("b", LEGAL, 3, &secret_passphrases(), &LABELS);
    let other_id = crate::util::printed_set_id(&other_out);
    let other_manifest = set
        .work
        .path("b/manifest.json")
        .to_string_lossy()
        .into_owned();
    let out = set.work.path("re2").to_string_lossy().into_owned();
    let err = refused(
        &set.work,
        &mut reissue(
            &other_manifest,
            &out,
            &[set.share(1), set.share(2), set.share(3)],
            None,
            None,
            &["--index", "2"],
        ),
        1,
    );
    assert!(
        err.contains(&format!(
            "error: the manifest '{other_manifest}' is of set {other_id}, but the shares given are of set {}",
            set.set_id
        )),
        "{err}"
    );
}

/// A tampered manifest: exit 1, nothing created.
#[test]
fn a_tampered_manifest_exit_1() {
    let set = Set::new();
    let text = std::fs::read_to_string(&set.manifest).expect("manifest");
    let tampered = set.work.write(
        "tampered.json",
        text.replacen("\"label\": \"bob\"", "\"label\": \"bobby\"", 1),
    );
    let out = set.work.path("re2").to_string_lossy().into_owned();
    let err = refused(
        &set.work,
        &mut reissue(
            &tampered,
            &out,
            &[set.share(1), set.share(3), set.share(5)],
            None,
            None,
            &["--index", "2"],
        ),
        1,
    );
    assert!(
        err.contains(&format!("error: the manifest '{tampered}' is not genuine")),
        "{err}"
    );
}

/// A share that is not the one on record (old copy, or old manifest revision): exit 1.
#[test]
fn a_share_not_on_record_is_refused_exit_1() {
    let set = Set::new();
    let (out, _) = reissue_two(&set);
    let new_manifest = format!("{out}/manifest.json");
    let new2 = share_path(std::path::Path::new(&out), 2, 5);
    // The old copy of share 2 with the new revision.
    let again = set.work.path("again").to_string_lossy().into_owned();
    let err = refused(
        &set.work,
        &mut reissue(
            &new_manifest,
            &again,
            &[set.share(1), set.share(2), set.share(3)],
            None,
            None,
            &["--index", "4"],
        ),
        1,
    );
    assert!(
        err.contains(&format!(
            "error: share 2 of 5 ('{}') is not the share the manifest '{new_manifest}' records for index 2 (an older copy, or a manifest that is not the latest revision)",
            set.share(2)
        )),
        "{err}"
    );
    // The new share with the old revision: re-issuing from it could hand out an index twice.
    let err = refused(
        &set.work,
        &mut reissue(
            &set.manifest,
            &again,
            &[set.share(1), &new2, set.share(3)],
            None,
            None,
            &["--add", "1"],
        ),
        1,
    );
    assert!(
        err.contains(&format!(
            "error: share 2 of 5 ('{new2}') is not the share the manifest '{}' records for index 2",
            set.manifest
        )),
        "{err}"
    );
    assert!(!err.contains("terminal"), "{err}");
}

/// Fewer than T shares: exit 2 before any passphrase.
#[test]
fn fewer_than_threshold_shares_exit_2() {
    let set = Set::new();
    let out = set.work.path("re2").to_string_lossy().into_owned();
    let err = refused(
        &set.work,
        &mut reissue(
            &set.manifest,
            &out,
            &[set.share(1), set.share(3)],
            None,
            None,
            &["--index", "2"],
        ),
        2,
    );
    assert!(
        err.contains(&format!(
            "error: set {} needs 3 shares to rebuild the secret, but only 2 were given",
            set.set_id
        )),
        "{err}"
    );
    assert!(!err.contains("terminal"), "{err}");
}

/// A wrong passphrase for one of the shares: exit 3, naming it; the folder is not created.
#[test]
fn a_wrong_passphrase_exit_3_creates_nothing() {
    let set = Set::new();
    let all = secret_passphrases();
    let pass = set
        .work
        .passfile("p.txt", &[&all[0], "Wombat%3-wrong", &all[4]]);
    let new_pass = set.work.passfile("new2.txt", &["Fresh-heron-2"]);
    let out = set.work.path("re2");
    let out_str = out.to_string_lossy().into_owned();
    let err = refused(
        &set.work,
        &mut reissue(
            &set.manifest,
            &out_str,
            &[set.share(1), set.share(3), set.share(5)],
            Some(&pass),
            Some(&new_pass),
            &["--index", "2"],
        ),
        3,
    );
    assert!(
        err.contains(&format!(
            "error: share 3 of 5 ('{}'): the passphrase is wrong",
            set.share(3)
        )),
        "{err}"
    );
    assert!(!out.exists());
    // No staging folder was left beside it either (refused() compares the whole tree).
}

/// An existing non-empty output folder: exit 2, its contents kept.
#[test]
fn an_existing_output_folder_exit_2() {
    let set = Set::new();
    let full = set.work.path("full");
    std::fs::create_dir(&full).expect("mkdir");
    set.work.write("full/keep.txt", "keep me\n");
    let pass = set.passes("p135.txt", &[1, 3, 5]);
    let new_pass = set.work.passfile("new2.txt", &["Fresh-heron-2"]);
    let full_str = full.to_string_lossy().into_owned();
    let err = refused(
        &set.work,
        &mut reissue(
            &set.manifest,
            &full_str,
            &[set.share(1), set.share(3), set.share(5)],
            Some(&pass),
            Some(&new_pass),
            &["--index", "2"],
        ),
        2,
    );
    assert!(
        err.contains(&format!(
            "error: the output folder '{full_str}' already exists and is not empty"
        )),
        "{err}"
    );
    // The original split folder, too.
    let err = refused(
        &set.work,
        &mut reissue(
            &set.manifest,
            set.work.path("s").to_str().expect("utf-8"),
            &[set.share(1), set.share(3), set.share(5)],
            Some(&pass),
            Some(&new_pass),
            &["--index", "2"],
        ),
        2,
    );
    assert!(err.contains("not empty"), "{err}");
}

/// A manifest file that is not there: exit 2, naming it, before any passphrase.
#[test]
fn reissue_needs_a_readable_manifest_exit_2() {
    let work = Work::new();
    let shares = work.split("s", LEGAL, 2, 3, &crate::util::passphrases(3));
    let missing = work.path("none.json").to_string_lossy().into_owned();
    let out = work.path("re").to_string_lossy().into_owned();
    let err = refused(
        &work,
        &mut reissue(
            &missing,
            &out,
            &[&shares[0], &shares[1]],
            None,
            None,
            &["--index", "1"],
        ),
        2,
    );
    assert!(
        err.contains(&format!("cannot read the manifest '{missing}'")),
        "{err}"
    );
}

/// `recover --manifest` refuses, before any passphrase and with nothing shown or written, the
/// old copy of a re-issued share and the shares of another set; with shares on record it
/// recovers and says the manifest agrees.
#[test]
fn recover_with_the_manifest_refuses_shares_it_does_not_record() {
    let set = Set::new();
    let (out, _) = reissue_two(&set);
    let new_manifest = format!("{out}/manifest.json");
    let seed_file = set.work.path("seed.txt").to_string_lossy().into_owned();

    // The old copy of share 2 against revision 2: no passphrase file, no terminal, yet the
    // refusal comes first (exit 1), so no passphrase was ever needed.
    let err = refused(
        &set.work,
        coldshard()
            .args(["recover", "--manifest", &new_manifest, "--out", &seed_file])
            .args([set.share(1), set.share(2), set.share(3)]),
        1,
    );
    assert!(
        err.contains("is not the share the manifest") && err.contains("records for index 2"),
        "{err}"
    );

    // Shares of another set (a retired set, say) against this manifest.
    let other = set.work.split(
        "other",
        crate::util::ABOUT,
        2,
        3,
        &crate::util::passphrases(3),
    );
    let err = refused(
        &set.work,
        coldshard()
            .args(["recover", "--manifest", &new_manifest, "--reveal"])
            .args([&other[0], &other[1]]),
        1,
    );
    assert!(err.contains("but the shares given are of set"), "{err}");

    // Shares on record: recovered, and the summary says the manifest agrees.
    let all = secret_passphrases();
    let pass = set
        .work
        .passfile("p-1-new2-3.txt", &[&all[0], "Fresh-heron-2", &all[2]]);
    let new2 = share_path(std::path::Path::new(&out), 2, 5);
    let r = crate::util::run(
        coldshard()
            .args(["recover", "--manifest", &new_manifest, "--reveal"])
            .args([set.share(1), new2.as_str(), set.share(3)])
            .args(["--passphrase-file", &pass]),
    );
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert_eq!(r.stdout, format!("{LEGAL}\n"));
    assert!(
        r.stderr.contains(&format!(
            "Matches the manifest '{new_manifest}' (revision 2): the set key and the commitment agree."
        )),
        "{}",
        r.stderr
    );
}
