"""What a saved Keras model records about the Keras that wrote it.

Standard library and ``packaging`` only: the export plan runs in nox's own
environment, where neither TensorFlow nor h5py is installed. Three formats:

- a ``.keras`` archive names its Keras version in ``metadata.json``;
- an HDF5 file (``.h5``, ``.hdf5``) holds it as the ``keras_version`` attribute of
  its root group. Keras writes that attribute as a short string, so the
  attribute message is found by its name and decoded field by field (HDF5
  attribute messages, versions 1 to 3, with the value in place or in a global
  heap collection), without walking the rest of the file;
- a SavedModel directory (holding ``saved_model.pb``) is TensorFlow's own format,
  written by ``model.save(directory)`` in Keras 2.
"""

from __future__ import annotations

import json
import mmap
import re
import zipfile
from pathlib import Path

from packaging.version import InvalidVersion, Version

__all__ = [
    "HDF5_SUFFIXES",
    "UnreadableVersionError",
    "hdf5_keras_version",
    "is_savedmodel",
    "keras_archive_version",
]

HDF5_SUFFIXES = (".h5", ".hdf5")
#: HDF5 files start with this signature at offset 0, 512, 1024, 2048 ...
HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"
_NAME = b"keras_version\x00"
_LEADING_VERSION = re.compile(rb"\d+(?:\.\d+)*")
_STRING_CLASS = 3
_VARIABLE_LENGTH_CLASS = 9

#: metadata.json of a .keras file holds a few versions; a larger one is not read.
MAX_METADATA_BYTES = 1 << 20


class UnreadableVersionError(ValueError):
    """The file does not say which Keras wrote it; the message says why."""


def is_savedmodel(path: Path) -> bool:
    """Whether ``path`` is a SavedModel directory."""
    return path.is_dir() and (path / "saved_model.pb").is_file()


def keras_archive_version(path: Path) -> Version:
    """The Keras version in the ``metadata.json`` of a ``.keras`` archive."""
    try:
        with zipfile.ZipFile(path) as archive:
            info = archive.getinfo("metadata.json")
            if info.file_size > MAX_METADATA_BYTES:
                raise UnreadableVersionError(
                    "metadata.json is larger than Keras writes"
                )
            metadata = json.loads(archive.read(info))
        return Version(str(metadata["keras_version"]))
    except UnreadableVersionError:
        raise
    except (OSError, zipfile.BadZipFile):
        raise UnreadableVersionError("it is not a zip archive") from None
    except KeyError:
        raise UnreadableVersionError("metadata.json has no keras_version") from None
    except (ValueError, TypeError, RecursionError, InvalidVersion):
        raise UnreadableVersionError("metadata.json is not valid") from None


def hdf5_keras_version(path: Path) -> Version:
    """The ``keras_version`` attribute of an HDF5 model file."""
    try:
        with path.open("rb") as stream:
            if stream.seek(0, 2) == 0:
                raise UnreadableVersionError("the file is empty")
            with mmap.mmap(stream.fileno(), 0, access=mmap.ACCESS_READ) as data:
                return _find_version(data)
    except OSError as error:
        raise UnreadableVersionError(f"it cannot be read ({error.strerror})") from None


def _find_version(raw: mmap.mmap) -> Version:
    base = next(
        (at for at in (0, 512, 1024, 2048) if raw[at : at + 8] == HDF5_SIGNATURE),
        None,
    )
    if base is None:
        raise UnreadableVersionError("it is not an HDF5 file")
    if len(raw) < base + 16:
        raise UnreadableVersionError("it is truncated")
    superblock = raw[base + 8]
    offsets = raw[base + 13] if superblock < 2 else raw[base + 9]
    lengths = raw[base + 14] if superblock < 2 else raw[base + 10]
    file = _File(raw, base, offsets, lengths)

    problem = "it has no keras_version attribute"
    position = raw.find(_NAME)
    while position >= 0:
        try:
            found = file.attribute_value(position)
        except UnreadableVersionError as error:
            problem = str(error)
        except IndexError:  # the name's bytes too close to the end of the file
            pass
        else:
            if found is not None:
                return found
        position = raw.find(_NAME, position + 1)
    raise UnreadableVersionError(problem)


class _File:
    """The bytes of an HDF5 file and the sizes its superblock gives addresses
    (``offsets``) and lengths; ``base`` is where the superblock starts, which
    addresses count from."""

    def __init__(self, raw: mmap.mmap, base: int, offsets: int, lengths: int) -> None:
        self.raw = raw
        self.base = base
        self.offsets = offsets
        self.lengths = lengths

    def number(self, at: int, size: int) -> int:
        if at < 0 or at + size > len(self.raw):
            raise UnreadableVersionError("its keras_version attribute is truncated")
        return int.from_bytes(self.raw[at : at + size], "little")

    def attribute_value(self, name_at: int) -> Version | None:
        """The value of the attribute message whose name starts at ``name_at``, or
        None when those bytes are not the name of an attribute message.

        Version 1 and 2 messages have an 8-byte header before the name (version 1
        pads the name, datatype and dataspace to multiples of 8 bytes), version 3
        a 9-byte header ending with the name's character set. The value is a
        fixed-length string stored in place, or a variable-length one (what h5py
        writes for a Python string) stored in a global heap collection.
        """
        raw = self.raw
        for header, version, padded in ((8, 1, True), (8, 2, False), (9, 3, False)):
            start = name_at - header
            if start < 0 or raw[start] != version:
                continue
            if self.number(start + 2, 2) != len(_NAME):
                continue
            type_size = self.number(start + 4, 2)
            space_size = self.number(start + 6, 2)
            type_at = name_at + (_pad8(len(_NAME)) if padded else len(_NAME))
            space_at = type_at + (_pad8(type_size) if padded else type_size)
            value_at = space_at + (_pad8(space_size) if padded else space_size)

            type_class = raw[type_at] & 0x0F
            if type_class == _STRING_CLASS:
                text = raw[value_at : value_at + self.number(type_at + 4, 4)]
            elif type_class == _VARIABLE_LENGTH_CLASS:
                text = self.heap_object(value_at)
            else:
                continue
            return _version(bytes(text.rstrip(b"\x00 ")))
        return None

    def heap_object(self, at: int) -> bytes:
        """The bytes of a variable-length value: its length, then the address of
        a global heap collection and the index of the object in it."""
        size = self.number(at, 4)
        collection = self.base + self.number(at + 4, self.offsets)
        index = self.number(at + 4 + self.offsets, 4)
        if self.raw[collection : collection + 4] != b"GCOL" or size > 64:
            raise UnreadableVersionError(
                "its keras_version attribute points outside a global heap"
            )
        end = collection + self.number(collection + 8, self.lengths)
        cursor = collection + 8 + self.lengths
        while cursor + 8 + self.lengths <= end:
            number = self.number(cursor, 2)
            length = self.number(cursor + 8, self.lengths)
            data_at = cursor + 8 + self.lengths
            if number == index:
                return bytes(self.raw[data_at : data_at + min(size, length)])
            if number == 0:
                break
            cursor = data_at + _pad8(length)
        raise UnreadableVersionError(
            "its keras_version attribute is missing from the global heap"
        )


def _version(text: bytes) -> Version:
    """The version at the start of ``text``: TensorFlow 2.0 to 2.3 wrote their
    Keras's version with a suffix (``2.2.4-tf``)."""
    found = _LEADING_VERSION.match(text)
    if found is None:
        raise UnreadableVersionError(
            f"its keras_version attribute is not a version: {text[:40]!r}"
        )
    return Version(found[0].decode("ascii"))


def _pad8(size: int) -> int:
    return (size + 7) // 8 * 8
