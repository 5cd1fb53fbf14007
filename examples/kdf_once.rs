//! Derives exactly one share key with coldshard's Argon2id, to time it against the reference C
//! implementation (docs/PERFORMANCE.md). Not part of the CLI.
//!
//! ```sh
//! cargo build --release --example kdf_once
//! target/release/examples/kdf_once                 # the defaults: 512 MiB, 3 passes, 4 lanes
//! target/release/examples/kdf_once 524288 3 1      # memory in KiB, passes, lanes
//! ```
//!
//! Same inputs and key as `echo -n password | argon2 somesaltsomesalt -id -m 19 -t 3 -p 4 -l 32 -r`
//! (`-r`: without it the tool derives the key a second time, to verify the hash it printed).

use std::process::ExitCode;

use coldshard::crypto::{Argon2Params, Kdf, derive_key};
use coldshard::passphrase::Passphrase;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let params = match args.as_slice() {
        [] => Ok(Argon2Params::DEFAULT),
        [memory, passes, lanes] => match (memory.parse(), passes.parse(), lanes.parse()) {
            (Ok(m), Ok(t), Ok(p)) => Argon2Params::new(m, t, p).map_err(|e| e.to_string()),
            _ => Err("MEMORY_KIB PASSES LANES must be numbers".to_string()),
        },
        _ => Err("usage: kdf_once [MEMORY_KIB PASSES LANES]".to_string()),
    };
    let params = match params {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let key = derive_key(
        &Kdf::Argon2id(params),
        &Passphrase::new("password"),
        b"somesaltsomesalt",
    );
    match key {
        Ok(key) => {
            std::hint::black_box(&key);
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
