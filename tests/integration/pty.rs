//! Through a real pseudo-terminal: hidden prompts, passphrases typed twice, generated
//! passphrases shown once on the alternate screen, and word suggestions only on a terminal.

use std::process::Command;

use rexpect::process::WaitStatus;
use rexpect::session::{PtySession, spawn_command};

use crate::util::{ABOUT, FAST_KDF, Work, coldshard, share_path};

fn spawn(args: &[&str]) -> PtySession {
    let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("coldshard"));
    cmd.args(args);
    spawn_command(cmd, Some(20_000)).expect("spawn in a pty")
}

/// Expects `needle`, returning everything the terminal showed up to and including it.
fn expect(p: &mut PtySession, needle: &str, seen: &mut String) {
    let before = p
        .exp_string(needle)
        .unwrap_or_else(|e| panic!("waiting for {needle:?}: {e}\nseen so far:\n{seen}"));
    seen.push_str(&before);
    seen.push_str(needle);
}

#[test]
fn split_and_recover_with_hidden_prompts() {
    let work = Work::new();
    let out = work.path("shares");
    let out_s = out.to_string_lossy().into_owned();
    let mut args = vec!["split", "-t", "2", "-n", "2", "--out", &out_s];
    args.extend(FAST_KDF);
    let mut p = spawn(&args);
    let mut seen = String::new();
    expect(&mut p, "typing is hidden): ", &mut seen);
    p.send_line(ABOUT).unwrap();
    expect(&mut p, "New passphrase for share 1 of 2: ", &mut seen);
    p.send_line("first custodian phrase").unwrap();
    expect(&mut p, "Type it again: ", &mut seen);
    p.send_line("first custodian phrase").unwrap();
    expect(&mut p, "New passphrase for share 2 of 2: ", &mut seen);
    p.send_line("second custodian phrase").unwrap();
    expect(&mut p, "Type it again: ", &mut seen);
    p.send_line("second custodian phrase, mistyped").unwrap();
    expect(&mut p, "differ", &mut seen);
    expect(&mut p, "New passphrase for share 2 of 2: ", &mut seen);
    p.send_line("second custodian phrase").unwrap();
    expect(&mut p, "Type it again: ", &mut seen);
    p.send_line("second custodian phrase").unwrap();
    expect(&mut p, "any 2 rebuild it", &mut seen);
    seen.push_str(&p.exp_eof().unwrap());
    // Echo was off: nothing typed appears on the terminal.
    for typed in ["abandon", "first custodian", "second custodian"] {
        assert!(!seen.contains(typed), "{typed:?} was echoed:\n{seen}");
    }

    let (s1, s2) = (share_path(&out, 1, 2), share_path(&out, 2, 2));
    let mut p = spawn(&["recover", &s2, &s1]);
    let mut seen = String::new();
    expect(&mut p, "Passphrase for share 2 of 2", &mut seen);
    // A mistyped passphrase is caught at once and may be typed again.
    p.send_line("second custodian phrase?").unwrap();
    expect(&mut p, "please type it again (2 tries left)", &mut seen);
    expect(&mut p, "Passphrase for share 2 of 2", &mut seen);
    p.send_line("second custodian phrase").unwrap();
    expect(&mut p, "Passphrase for share 1 of 2", &mut seen);
    p.send_line("first custodian phrase").unwrap();
    expect(&mut p, "Fingerprint: ", &mut seen);
    seen.push_str(&p.exp_eof().unwrap());
    assert!(
        !seen.contains("abandon"),
        "recover without --reveal showed the words"
    );
    assert!(!seen.contains("custodian phrase"));

    // Three wrong passphrases at the prompt: exit code 3, naming the share.
    let mut p = spawn(&["verify", &s1]);
    for tries_left in ["2 tries left", "1 try left"] {
        p.exp_string("Passphrase for share 1 of 2").unwrap();
        p.send_line("not it").unwrap();
        p.exp_string(tries_left).unwrap();
    }
    p.exp_string("Passphrase for share 1 of 2").unwrap();
    p.send_line("still not it").unwrap();
    p.exp_string("share 1 of 2").unwrap();
    p.exp_string("the passphrase is wrong").unwrap();
    p.exp_eof().unwrap();
    let status = p.process_mut().wait().unwrap();
    assert!(matches!(status, WaitStatus::Exited(_, 3)), "{status:?}");
}

#[test]
fn generated_passphrases_are_shown_once_each_and_open_their_shares() {
    let work = Work::new();
    let seed = work.write("seed.txt", ABOUT);
    let out = work.path("shares");
    let out_s = out.to_string_lossy().into_owned();
    let mut args = vec![
        "split",
        "-t",
        "2",
        "-n",
        "3",
        "--in",
        &seed,
        "--out",
        &out_s,
        "--generate-passphrases",
    ];
    args.extend(FAST_KDF);
    args.extend(["--label", "alice", "--label", "bob", "--label", "carol"]);
    let mut p = spawn(&args);
    let mut seen = String::new();
    let mut generated = Vec::new();
    for (i, who) in ["alice", "bob", "carol"].iter().enumerate() {
        expect(
            &mut p,
            &format!("Passphrase for share {} of 3 ({who})", i + 1),
            &mut seen,
        );
        expect(&mut p, "Press Enter to show the passphrase. ", &mut seen);
        p.send_line("").unwrap();
        let shown = p.exp_string("Write it down exactly").unwrap();
        let words: Vec<&str> = shown.split_whitespace().collect();
        assert_eq!(words.len(), 6, "six words expected in {shown:?}");
        for w in &words {
            assert!(bip39::Language::English.find_word(w).is_some(), "{w}");
        }
        generated.push(words.join(" "));
        expect(&mut p, "press Enter to clear the screen. ", &mut seen);
        p.send_line("").unwrap();
    }
    seen.push_str(&p.exp_eof().unwrap());
    assert!(
        seen.contains("\u{1b}[?1049h") && seen.contains("\u{1b}[?1049l"),
        "alternate screen not used"
    );
    assert_ne!(generated[0], generated[1]);
    // Each generated passphrase opens its own share and not another one.
    let pass = work.passfile("gen.txt", &[&generated[0], &generated[1], &generated[2]]);
    let shares: Vec<String> = (1..=3).map(|i| share_path(&out, i, 3)).collect();
    coldshard()
        .arg("verify")
        .args(&shares)
        .args(["--passphrase-file", &pass])
        .assert()
        .success();
    let swapped = work.passfile("swapped.txt", &[&generated[1]]);
    coldshard()
        .args(["verify", &shares[0], "--passphrase-file", &swapped])
        .assert()
        .code(3);
}

#[test]
fn word_suggestions_appear_only_on_a_terminal() {
    let work = Work::new();
    let out = work.path("shares").to_string_lossy().into_owned();
    let mut p = spawn(&[
        "split",
        "-t",
        "2",
        "-n",
        "2",
        "--out",
        &out,
        "--no-passphrase",
    ]);
    p.exp_string("typing is hidden): ").unwrap();
    p.send_line(&ABOUT.replace("about", "abuot")).unwrap();
    p.exp_string("word 12 of the mnemonic is not a BIP39 word")
        .unwrap();
    p.exp_string("did you mean about").unwrap();
    p.exp_eof().unwrap();
    assert!(!work.path("shares").exists());
}

#[test]
fn in_dash_at_a_terminal_still_hides_the_seed() {
    let work = Work::new();
    let out = work.path("shares").to_string_lossy().into_owned();
    let mut p = spawn(&[
        "split",
        "-t",
        "2",
        "-n",
        "2",
        "--in",
        "-",
        "--out",
        &out,
        "--no-passphrase",
    ]);
    p.exp_string("typing is hidden): ").unwrap();
    p.send_line(ABOUT).unwrap();
    let rest = p.exp_eof().unwrap();
    assert!(rest.contains("any 2 rebuild it"), "{rest}");
    assert!(!rest.contains("abandon"), "the seed was echoed: {rest}");
}
