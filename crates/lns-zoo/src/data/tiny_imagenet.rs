//! The TinyImageNet-200 folder layout.
//!
//! ```text
//! wnids.txt                      one class id (WordNet id) per line; line order = label
//! train/<wnid>/images/*.JPEG     training images of that class
//! val/val_annotations.txt        "<file>\t<wnid>\t<bbox...>" per line
//! val/images/<file>              validation images
//! ```
//! Images are 64x64 JPEGs, some grayscale; all are loaded as RGB. The test
//! split has no labels, so the validation set serves as the test split.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::{DataError, DatasetSplits, ImageDataset, ImageDims};

/// Dimensions of every TinyImageNet image.
pub const TINY_IMAGENET_DIMS: ImageDims = ImageDims {
    channels: 3,
    height: 64,
    width: 64,
};

/// Loads the train split and the labelled validation split from `dir`.
///
/// Training images of a class are taken in file-name order; validation images
/// in annotation order.
///
/// # Errors
/// [`DataError::Missing`], [`DataError::Empty`] (no class ids, a class without
/// images), [`DataError::BadLine`] (duplicate or unknown class id, malformed
/// annotation), [`DataError::Image`], [`DataError::ImageSize`] or an I/O error.
pub fn load_tiny_imagenet(dir: &Path) -> Result<DatasetSplits, DataError> {
    let wnids = read_wnids(&dir.join("wnids.txt"))?;
    let classes = wnids.len();
    let mut train = Images::default();
    for (label, wnid) in wnids.iter().enumerate() {
        let class_dir = dir.join("train").join(wnid).join("images");
        let files = image_files(&class_dir)?;
        if files.is_empty() {
            return Err(DataError::Empty { path: class_dir });
        }
        for file in files {
            train.push(&file, label)?;
        }
    }
    let mut test = Images::default();
    let val_dir = dir.join("val");
    for (file, label) in read_annotations(&val_dir.join("val_annotations.txt"), &wnids)? {
        test.push(&val_dir.join("images").join(file), label)?;
    }
    Ok(DatasetSplits {
        train: train.into_dataset(classes),
        test: test.into_dataset(classes),
    })
}

/// Images and labels collected so far.
#[derive(Default)]
struct Images {
    pixels: Vec<u8>,
    labels: Vec<usize>,
}

impl Images {
    fn push(&mut self, path: &Path, label: usize) -> Result<(), DataError> {
        let bytes = std::fs::read(path).map_err(|err| DataError::io(path, err))?;
        let image = image::load_from_memory(&bytes).map_err(|source| DataError::Image {
            path: path.to_path_buf(),
            source,
        })?;
        let (width, height) = (
            TINY_IMAGENET_DIMS.width as u32,
            TINY_IMAGENET_DIMS.height as u32,
        );
        if image.width() != width || image.height() != height {
            return Err(DataError::ImageSize {
                path: path.to_path_buf(),
                width,
                height,
                found_width: image.width(),
                found_height: image.height(),
            });
        }
        let rgb = image.to_rgb8();
        for channel in 0..3 {
            self.pixels
                .extend(rgb.pixels().map(|pixel| pixel.0[channel]));
        }
        self.labels.push(label);
        Ok(())
    }

    fn into_dataset(self, classes: usize) -> ImageDataset {
        ImageDataset::new(TINY_IMAGENET_DIMS, classes, self.pixels, self.labels)
    }
}

fn read_text(path: &Path) -> Result<String, DataError> {
    std::fs::read_to_string(path).map_err(|err| DataError::io(path, err))
}

/// Trimmed, non-blank lines of `text` with their one-based line numbers.
fn lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines()
        .enumerate()
        .map(|(i, line)| (i + 1, line.trim()))
        .filter(|(_, line)| !line.is_empty())
}

fn read_wnids(path: &Path) -> Result<Vec<String>, DataError> {
    let text = read_text(path)?;
    let mut wnids: Vec<String> = Vec::new();
    for (line, wnid) in lines(&text) {
        if wnids.iter().any(|known| known == wnid) {
            return Err(DataError::BadLine {
                path: path.to_path_buf(),
                line,
                reason: format!("duplicate class id {wnid:?}"),
            });
        }
        wnids.push(wnid.to_string());
    }
    if wnids.is_empty() {
        return Err(DataError::Empty {
            path: path.to_path_buf(),
        });
    }
    Ok(wnids)
}

/// `(file name, label)` of every validation annotation, in file order.
fn read_annotations(path: &Path, wnids: &[String]) -> Result<Vec<(String, usize)>, DataError> {
    let labels: HashMap<&str, usize> = wnids
        .iter()
        .enumerate()
        .map(|(label, wnid)| (wnid.as_str(), label))
        .collect();
    let text = read_text(path)?;
    let mut annotations = Vec::new();
    for (line, content) in lines(&text) {
        let bad = |reason: String| DataError::BadLine {
            path: path.to_path_buf(),
            line,
            reason,
        };
        let mut fields = content.split_whitespace();
        let (Some(file), Some(wnid)) = (fields.next(), fields.next()) else {
            return Err(bad("expected \"<file> <class id> ...\"".to_string()));
        };
        let label = *labels
            .get(wnid)
            .ok_or_else(|| bad(format!("class id {wnid:?} is not in wnids.txt")))?;
        annotations.push((file.to_string(), label));
    }
    if annotations.is_empty() {
        return Err(DataError::Empty {
            path: path.to_path_buf(),
        });
    }
    Ok(annotations)
}

/// JPEG files (`.jpeg`/`.jpg`, any case) in `dir`, sorted by name.
fn image_files(dir: &Path) -> Result<Vec<PathBuf>, DataError> {
    let entries = std::fs::read_dir(dir).map_err(|err| DataError::io(dir, err))?;
    let mut files = Vec::new();
    for entry in entries {
        let path = entry.map_err(|err| DataError::io(dir, err))?.path();
        let is_jpeg = path
            .extension()
            .and_then(|ext| ext.to_str())
            .is_some_and(|ext| ext.eq_ignore_ascii_case("jpeg") || ext.eq_ignore_ascii_case("jpg"));
        if is_jpeg {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}
