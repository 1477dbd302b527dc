// wasi_rs.rs -- a Rust program against Debian's wasm32-wasi std, run natively
// and under mk-wasm by wasi_fs_test.sh (same stdout, same exit code):
//   wasi_rs fs DIR    files and directories through std::fs
//   wasi_rs sleep     std::thread::sleep (poll_oneoff clock)
//   wasi_rs stdin     read all of stdin (a pipe)
//   wasi_rs panic     panic!: abort, exit status 134 (native: -C panic=abort)
//   wasi_rs exit N    std::process::exit(N)
use std::fs;
use std::io::{Read, Seek, SeekFrom, Write};
use std::time::{Duration, Instant};

fn fs_test(base: &str) -> std::io::Result<()> {
    let d = format!("{}/rdir", base);
    fs::create_dir(&d)?;
    println!("create_dir again: {:?}", fs::create_dir(&d).map_err(|e| e.kind()));
    let p = format!("{}/a.txt", d);
    {
        let mut f = fs::File::create(&p)?;
        for i in 0..50 {
            writeln!(f, "row {}", i)?;
        }
    }
    let md = fs::metadata(&p)?;
    println!("len={} file={} dir={}", md.len(), md.is_file(), md.is_dir());
    let mut f = fs::OpenOptions::new().read(true).write(true).open(&p)?;
    f.seek(SeekFrom::Start(4))?;
    let mut b = [0u8; 3];
    f.read_exact(&mut b)?;
    println!("read={:?}", std::str::from_utf8(&b).unwrap());
    f.set_len(10)?;
    println!("len={}", f.metadata()?.len());
    drop(f);
    fs::rename(&p, format!("{}/b.txt", d))?;
    println!("old exists: {}", fs::metadata(&p).is_ok());
    fs::create_dir_all(format!("{}/x/y/z", d))?;
    let mut names: Vec<String> = fs::read_dir(&d)?
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    println!("entries={:?}", names);
    // (Rust 1.63's wasi std has no DirectoryNotEmpty kind: only that it fails)
    println!("remove_dir non-empty fails: {}", fs::remove_dir(&d).is_err());
    println!("read missing: {:?}", fs::read(format!("{}/none", d)).map_err(|e| e.kind()));
    println!("content={:?}", fs::read_to_string(format!("{}/b.txt", d))?);
    fs::remove_dir_all(&d)?;
    println!("gone: {}", fs::metadata(&d).is_err());
    Ok(())
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(|s| s.as_str()) {
        Some("fs") => {
            if let Err(e) = fs_test(&args[2]) {
                println!("error: {:?}", e.kind());
                std::process::exit(1);
            }
        }
        Some("sleep") => {
            let t = Instant::now();
            std::thread::sleep(Duration::from_millis(20));
            println!("slept at least 20ms: {}", t.elapsed() >= Duration::from_millis(20));
        }
        Some("stdin") => {
            let mut s = String::new();
            std::io::stdin().read_to_string(&mut s).unwrap();
            println!("stdin bytes={} lines={}", s.len(), s.lines().count());
        }
        Some("panic") => {
            println!("about to panic");
            panic!("deliberate");
        }
        Some("exit") => std::process::exit(args[2].parse().unwrap()),
        _ => std::process::exit(2),
    }
}
