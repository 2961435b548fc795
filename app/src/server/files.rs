//! Files that hold personal data (attachments — signed 备案表 scans with custodians' mobiles —,
//! `export --out` files, `.eml` messages written instead of sent) are created readable and
//! writable by the server's own user only, mode 0600, whatever the umask (个人信息保护法 Art. 51;
//! ASVS 5.0 V14.2.4). A file that exists already is set to 0600 as it is opened.
use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::Path;

/// Owner read and write, nothing for group and others.
pub const PRIVATE_MODE: u32 = 0o600;

fn private_options() -> OpenOptions {
    let mut options = OpenOptions::new();
    options.write(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(PRIVATE_MODE);
    }
    options
}

/// Sets an open file to [`PRIVATE_MODE`] (the mode given at creation does not apply to a file that
/// was there already, and the umask may have taken bits away).
fn make_private(file: &File) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(std::fs::Permissions::from_mode(PRIVATE_MODE))?;
    }
    #[cfg(not(unix))]
    let _ = file;
    Ok(())
}

/// Creates (or truncates) `path` for writing, mode 0600.
pub fn create_private(path: &Path) -> io::Result<File> {
    let file = private_options().create(true).truncate(true).open(path)?;
    make_private(&file)?;
    Ok(file)
}

/// Creates `path`, which must not exist yet, mode 0600.
pub fn create_new_private(path: &Path) -> io::Result<File> {
    let file = private_options().create_new(true).open(path)?;
    make_private(&file)?;
    Ok(file)
}

/// Writes `bytes` to `path` (created or truncated), mode 0600, and syncs it.
pub fn write_private(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut file = create_private(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

/// Copies `from` to `to` (created or truncated), mode 0600.
pub fn copy_private(from: &Path, to: &Path) -> io::Result<u64> {
    let mut source = File::open(from)?;
    let mut target = create_private(to)?;
    let copied = io::copy(&mut source, &mut target)?;
    target.sync_all()?;
    Ok(copied)
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn files_are_created_for_the_owner_alone() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("export.csv");
        write_private(&path, b"x").unwrap();
        assert_eq!(mode(&path), 0o600);
        let new = dir.path().join("new.eml");
        create_new_private(&new).unwrap();
        assert_eq!(mode(&new), 0o600);
        assert!(create_new_private(&new).is_err(), "never overwrites");
    }

    #[test]
    fn an_existing_file_open_to_all_is_made_private() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.csv");
        std::fs::write(&path, b"old").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let copy = dir.path().join("copy.xlsx");
        std::fs::write(&copy, b"").unwrap();
        std::fs::set_permissions(&copy, std::fs::Permissions::from_mode(0o666)).unwrap();
        create_private(&path).unwrap();
        copy_private(&path, &copy).unwrap();
        assert_eq!((mode(&path), mode(&copy)), (0o600, 0o600));
    }
}
