// SPDX-License-Identifier: GPL-2.0
//! names_rust: threads whose user stacks hold Rust names, for the demangling
//! tests (tests/vm/guest/35-names.sh), built twice: with rustc's default
//! (legacy) mangling and with -C symbol-mangling-version=v0 (the standard
//! library stays as it was built: legacy in Debian's rustc 1.63).
//!   main:     kst::work::sleeper_inner -> std::thread::sleep
//!   receiver: kst::work::Mailbox::wait -> std::sync::mpsc::Receiver::recv
//! Writes "ready PID" to FILE once the threads are started.
//!
//!   names_rust -o FILE

mod kst {
    pub mod work {
        use std::sync::mpsc::Receiver;
        use std::time::Duration;

        pub struct Mailbox {
            pub rx: Receiver<u64>,
        }

        impl Mailbox {
            #[inline(never)]
            pub fn wait(&self) -> u64 {
                self.rx.recv().unwrap_or(0)
            }
        }

        #[inline(never)]
        pub fn sleeper_inner(secs: u64) {
            loop {
                std::thread::sleep(Duration::from_secs(secs));
            }
        }
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 3 || args[1] != "-o" {
        eprintln!("usage: names_rust -o FILE");
        std::process::exit(64);
    }
    let (tx, rx) = std::sync::mpsc::channel::<u64>();
    let receiver = std::thread::Builder::new()
        .name("receiver".into())
        .spawn(move || {
            let mb = kst::work::Mailbox { rx };
            mb.wait()
        })
        .expect("spawn");
    std::thread::sleep(std::time::Duration::from_millis(100));
    std::fs::write(&args[2], format!("ready {}\n", std::process::id())).expect("ready file");
    kst::work::sleeper_inner(100000);
    drop(tx);
    let _ = receiver.join();
}
