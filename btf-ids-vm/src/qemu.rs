//! Booting the kernel under QEMU (TCG: KVM does not work on these machines)
//! and streaming its serial console.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// The kernel command line: the console on the serial port, reboot at once
/// on a panic (which `-no-reboot` turns into QEMU exiting), and only
/// warnings and worse on the console.
pub const DEFAULT_APPEND: &str = "console=ttyS0 panic=-1 loglevel=4";

/// One QEMU run.
#[derive(Debug, Clone)]
pub struct Vm {
    /// `qemu-system-x86_64`.
    pub qemu: PathBuf,
    /// The kernel image (`-kernel`).
    pub kernel: PathBuf,
    /// The initramfs (`-initrd`).
    pub initrd: PathBuf,
    /// The kernel command line (`-append`).
    pub append: String,
    /// How long QEMU may run before it is killed.
    pub timeout: Duration,
}

/// How a run ended.
#[derive(Debug, Clone)]
pub struct RunEnd {
    /// The wall time from spawning QEMU to its exit (or kill).
    pub wall: Duration,
    /// True when QEMU was killed at the timeout.
    pub timed_out: bool,
    /// QEMU's exit status, as text.
    pub status: String,
}

impl Vm {
    /// The QEMU command line.
    pub fn command(&self) -> Command {
        let mut cmd = Command::new(&self.qemu);
        cmd.args([
            "-M", "pc", "-accel", "tcg", "-cpu", "max", "-smp", "1", "-m", "1G",
        ])
        .arg("-kernel")
        .arg(&self.kernel)
        .arg("-initrd")
        .arg(&self.initrd)
        .args(["-append", &self.append])
        .args([
            "-nographic",
            "-no-reboot",
            "-monitor",
            "none",
            "-serial",
            "stdio",
        ]);
        cmd
    }

    /// Boots the VM. Every console byte is copied to `echo` as it arrives,
    /// and each console line (without its line end) is given to `on_line`.
    /// QEMU is killed once `timeout` has passed.
    pub fn run(
        &self,
        echo: &mut dyn Write,
        on_line: &mut dyn FnMut(&str),
    ) -> Result<RunEnd, String> {
        let mut cmd = self.command();
        // No stdin: QEMU would put a terminal into raw mode.
        cmd.stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let start = Instant::now();
        let mut child = cmd
            .spawn()
            .map_err(|e| format!("cannot run {}: {e}", self.qemu.display()))?;

        enum Msg {
            Bytes(Vec<u8>),
            Err(String),
            Eof,
        }
        let (tx, rx) = mpsc::channel();
        let mut stdout = child.stdout.take().expect("piped");
        let out_tx = tx.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            loop {
                match stdout.read(&mut buf) {
                    Ok(0) | Err(_) => {
                        let _ = out_tx.send(Msg::Eof);
                        return;
                    }
                    Ok(n) => {
                        if out_tx.send(Msg::Bytes(buf[..n].to_vec())).is_err() {
                            return;
                        }
                    }
                }
            }
        });
        let stderr = child.stderr.take().expect("piped");
        let stderr_thread = std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if tx.send(Msg::Err(line)).is_err() {
                    return;
                }
            }
        });

        let deadline = start + self.timeout;
        let mut pending: Vec<u8> = Vec::new();
        let mut timed_out = false;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match rx.recv_timeout(left) {
                Ok(Msg::Bytes(b)) => {
                    let _ = echo.write_all(&b);
                    let _ = echo.flush();
                    pending.extend_from_slice(&b);
                    while let Some(nl) = pending.iter().position(|&c| c == b'\n') {
                        let line: Vec<u8> = pending.drain(..=nl).collect();
                        on_line(String::from_utf8_lossy(&line[..nl]).trim_end_matches('\r'));
                    }
                }
                Ok(Msg::Err(line)) => {
                    let _ = writeln!(echo, "qemu: {line}");
                }
                Ok(Msg::Eof) | Err(mpsc::RecvTimeoutError::Disconnected) => break,
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    timed_out = true;
                    let _ = child.kill();
                    break;
                }
            }
        }
        if !pending.is_empty() {
            on_line(String::from_utf8_lossy(&pending).trim_end_matches('\r'));
        }
        let status = child.wait().map_err(|e| format!("waiting for QEMU: {e}"))?;
        let wall = start.elapsed();
        // Anything QEMU said on stderr before it exited (the pipe is closed
        // now that QEMU is gone, so the thread ends).
        let _ = stderr_thread.join();
        while let Ok(msg) = rx.try_recv() {
            if let Msg::Err(line) = msg {
                let _ = writeln!(echo, "qemu: {line}");
            }
        }
        Ok(RunEnd {
            wall,
            timed_out,
            status: status.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fake(script: &str, timeout: Duration) -> (Result<RunEnd, String>, Vec<String>, String) {
        // One at a time: a script written while another test forks would be
        // held open for writing by the child, and exec would fail with
        // ETXTBSY.
        static ONE: std::sync::Mutex<()> = std::sync::Mutex::new(());
        let _one = ONE.lock().unwrap_or_else(|e| e.into_inner());
        let dir = std::env::temp_dir().join(format!("btf-ids-vm-qemu-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let qemu = dir.join(format!("fake-{}.sh", script.len()));
        std::fs::write(&qemu, format!("#!/bin/sh\n{script}\n")).unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&qemu, std::fs::Permissions::from_mode(0o755)).unwrap();
        let vm = Vm {
            qemu,
            kernel: "k".into(),
            initrd: "i".into(),
            append: DEFAULT_APPEND.into(),
            timeout,
        };
        // Another test's fork may still hold the new script open for writing
        // (ETXTBSY) for a moment.
        for _ in 0..50 {
            let mut echo = Vec::new();
            let mut lines = Vec::new();
            let r = vm.run(&mut echo, &mut |l| lines.push(l.to_string()));
            if matches!(&r, Err(e) if e.contains("Text file busy")) {
                std::thread::sleep(Duration::from_millis(20));
                continue;
            }
            return (r, lines, String::from_utf8(echo).unwrap());
        }
        panic!("the fake QEMU stayed busy")
    }

    #[test]
    fn lines_are_split_and_echoed() {
        let (r, lines, echo) = fake(
            r"printf 'boot\r\nBTFIDS-VM plan 1\r\nBTFIDS-VM ok a\nBTFIDS-VM '; printf 'done'; echo oops >&2",
            Duration::from_secs(20),
        );
        let r = r.unwrap();
        assert!(!r.timed_out);
        assert_eq!(
            lines,
            [
                "boot",
                "BTFIDS-VM plan 1",
                "BTFIDS-VM ok a",
                "BTFIDS-VM done"
            ]
        );
        // stdout and stderr interleave in any order.
        assert!(echo.contains("boot\r\nBTFIDS-VM plan 1"), "{echo}");
        assert!(echo.contains("qemu: oops"), "{echo}");
    }

    #[test]
    fn the_command_line_is_the_known_good_one() {
        let vm = Vm {
            qemu: "qemu-system-x86_64".into(),
            kernel: "/boot/vmlinuz".into(),
            initrd: "/tmp/i.cpio".into(),
            append: DEFAULT_APPEND.into(),
            timeout: Duration::from_secs(1),
        };
        let cmd = vm.command();
        let args: Vec<String> = cmd
            .get_args()
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        assert_eq!(
            args.join(" "),
            "-M pc -accel tcg -cpu max -smp 1 -m 1G -kernel /boot/vmlinuz -initrd /tmp/i.cpio \
             -append console=ttyS0 panic=-1 loglevel=4 -nographic -no-reboot -monitor none \
             -serial stdio"
        );
    }

    #[test]
    fn a_hung_vm_is_killed() {
        let t0 = Instant::now();
        let (r, lines, _) = fake("echo started; exec sleep 30", Duration::from_millis(500));
        let r = r.unwrap();
        assert!(r.timed_out);
        assert_eq!(lines, ["started"]);
        assert!(t0.elapsed() < Duration::from_secs(10));
    }
}
