//! In-memory image datasets: items, dimensions and the dataset container.

use burn::data::dataset::Dataset;

use super::DataError;

/// Shape of one image: channels, height and width.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImageDims {
    /// Number of channels (1 for grayscale, 3 for RGB).
    pub channels: usize,
    /// Height in pixels.
    pub height: usize,
    /// Width in pixels.
    pub width: usize,
}

impl ImageDims {
    /// Number of bytes of one image, `channels * height * width`.
    pub fn len(&self) -> usize {
        self.channels * self.height * self.width
    }

    /// Whether an image of these dimensions holds no pixels.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// One labelled image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageItem {
    /// Pixel intensities 0..=255 in CHW order (`channels * height * width` bytes).
    pub pixels: Vec<u8>,
    /// Class index, below the dataset's number of classes.
    pub label: usize,
}

/// A labelled image dataset held in memory, all images of one [`ImageDims`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageDataset {
    dims: ImageDims,
    classes: usize,
    pixels: Vec<u8>,
    labels: Vec<usize>,
}

impl ImageDataset {
    /// Builds a dataset from concatenated CHW images and their labels.
    ///
    /// # Panics
    /// If `pixels.len() != labels.len() * dims.len()` or a label is `>= classes`;
    /// the loaders check both before calling this.
    pub fn new(dims: ImageDims, classes: usize, pixels: Vec<u8>, labels: Vec<usize>) -> Self {
        assert_eq!(
            pixels.len(),
            labels.len() * dims.len(),
            "pixel buffer does not match {} images of {dims:?}",
            labels.len()
        );
        assert!(
            labels.iter().all(|&label| label < classes),
            "label outside 0..{classes}"
        );
        Self {
            dims,
            classes,
            pixels,
            labels,
        }
    }

    /// Dimensions shared by every image.
    pub fn dims(&self) -> ImageDims {
        self.dims
    }

    /// Number of classes; every label is below it.
    pub fn classes(&self) -> usize {
        self.classes
    }

    /// Labels of all items, in item order.
    pub fn labels(&self) -> &[usize] {
        &self.labels
    }

    /// Pixels of item `index` (CHW order), or `None` past the end.
    pub fn pixels(&self, index: usize) -> Option<&[u8]> {
        let size = self.dims.len();
        self.pixels.get(index * size..(index + 1) * size)
    }

    /// Number of items of each class, indexed by label.
    pub fn class_counts(&self) -> Vec<usize> {
        let mut counts = vec![0; self.classes];
        for &label in &self.labels {
            counts[label] += 1;
        }
        counts
    }

    /// The first `per_class` items of every class, kept in their original order.
    ///
    /// # Errors
    /// [`DataError::NotEnoughItems`] if some class has fewer than `per_class` items.
    pub fn balanced_subset(&self, per_class: usize) -> Result<Self, DataError> {
        let mut taken = vec![0; self.classes];
        let mut indices = Vec::with_capacity(per_class * self.classes);
        for (index, &label) in self.labels.iter().enumerate() {
            if taken[label] < per_class {
                taken[label] += 1;
                indices.push(index);
            }
        }
        if let Some((class, &found)) = taken.iter().enumerate().find(|(_, n)| **n < per_class) {
            return Err(DataError::NotEnoughItems {
                class,
                found,
                wanted: per_class,
            });
        }
        Ok(self.select(&indices))
    }

    /// A new dataset holding the items at `indices`, in that order.
    ///
    /// # Panics
    /// If an index is out of range.
    pub fn select(&self, indices: &[usize]) -> Self {
        let mut pixels = Vec::with_capacity(indices.len() * self.dims.len());
        let mut labels = Vec::with_capacity(indices.len());
        for &index in indices {
            pixels.extend_from_slice(self.pixels(index).expect("index out of range"));
            labels.push(self.labels[index]);
        }
        Self::new(self.dims, self.classes, pixels, labels)
    }
}

impl Dataset<ImageItem> for ImageDataset {
    fn get(&self, index: usize) -> Option<ImageItem> {
        Some(ImageItem {
            pixels: self.pixels(index)?.to_vec(),
            label: self.labels[index],
        })
    }

    fn len(&self) -> usize {
        self.labels.len()
    }
}

/// The train and test parts of a dataset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatasetSplits {
    /// Training items.
    pub train: ImageDataset,
    /// Held-out items (the validation set where the dataset has no labelled test set).
    pub test: ImageDataset,
}
