//! Reading whole files, transparently decompressing gzip.

use std::io::Read;
use std::path::{Path, PathBuf};

use flate2::read::GzDecoder;

use super::DataError;

/// The two bytes every gzip stream starts with.
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// Reads `path` completely; gzip content (recognized by its magic bytes) is decompressed.
pub(crate) fn read_file(path: &Path) -> Result<Vec<u8>, DataError> {
    let bytes = std::fs::read(path).map_err(|err| DataError::io(path, err))?;
    gunzip_if_compressed(bytes, path)
}

/// Decompresses `bytes` if they are a gzip stream, otherwise returns them unchanged.
///
/// `path` only names the data in errors.
pub(crate) fn gunzip_if_compressed(bytes: Vec<u8>, path: &Path) -> Result<Vec<u8>, DataError> {
    if !bytes.starts_with(&GZIP_MAGIC) {
        return Ok(bytes);
    }
    let mut plain = Vec::with_capacity(bytes.len() * 4);
    GzDecoder::new(bytes.as_slice())
        .read_to_end(&mut plain)
        .map_err(|source| DataError::Gzip {
            path: path.to_path_buf(),
            source,
        })?;
    Ok(plain)
}

/// `dir/name` if it exists, else `dir/name.gz` if that exists.
///
/// # Errors
/// [`DataError::Missing`] naming `dir/name[.gz]` when neither exists.
pub(crate) fn find_plain_or_gz(dir: &Path, name: &str) -> Result<PathBuf, DataError> {
    let plain = dir.join(name);
    let gz = dir.join(format!("{name}.gz"));
    [plain, gz]
        .into_iter()
        .find(|path| path.is_file())
        .ok_or_else(|| DataError::Missing {
            path: dir.join(format!("{name}[.gz]")),
        })
}
