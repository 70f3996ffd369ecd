//! Rebuilds the test binaries when a file is added to the fixture folder they embed.

fn main() {
    println!("cargo:rerun-if-changed=fixtures");
}
