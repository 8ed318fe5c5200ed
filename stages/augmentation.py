"""The random image augmentation layers of Keras, one list for the extract stage
(which normalizes them) and the assemble stage (which converts them). Standard
library only."""

from __future__ import annotations

__all__ = ["AUGMENTATION_KINDS"]

#: Keras's augmentation layers that return their input at inference, whatever
#: their config (Keras 3, and ``RandomHeight``/``RandomWidth`` of Keras 2).
#: ``RandomCrop`` is not one: at inference Keras 3 returns the whole image while
#: it declares the cropped shape, and Keras 2 crops the centre.
AUGMENTATION_KINDS = (
    "AugMix",
    "CutMix",
    "MixUp",
    "RandAugment",
    "RandomBrightness",
    "RandomColorDegeneration",
    "RandomColorJitter",
    "RandomContrast",
    "RandomElasticTransform",
    "RandomErasing",
    "RandomFlip",
    "RandomGaussianBlur",
    "RandomGrayscale",
    "RandomHeight",
    "RandomHue",
    "RandomInvert",
    "RandomPerspective",
    "RandomPosterization",
    "RandomRotation",
    "RandomSaturation",
    "RandomSharpness",
    "RandomShear",
    "RandomTranslation",
    "RandomWidth",
    "RandomZoom",
    "Solarization",
)
