"""Where the desk keeps the files people upload, through Django's `STORAGES` (config/settings.py):

- "letters": candidates' signed letters and staff's scans of paper requests, records of the case;
- "imports": the returns uploaded on the import page, and the progress file of each import.

By default both are `PrivateFileStorage`, a folder on this machine outside the web root. With
`RECOUNT_FILE_STORAGE=s3` both are a private S3-compatible bucket (django-storages), which every web
server and task worker behind a load balancer reads and writes alike. No file here has a public URL:
views that check who asks read them through the storage (`open`, `size`), never by a path on disk.
"""

import os
import tempfile

from django.conf import settings
from django.core.files.base import File
from django.core.files.storage import FileSystemStorage, Storage, storages
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.functional import LazyObject, empty


class PrivateFileStorage(FileSystemStorage):
    """Files under `PRIVATE_FILES_ROOT`, read when used (not when the storage is made), so that a change
    of the setting (a test's temporary directory) takes effect. Nothing here has a public URL. A file
    saved over another (`allow_overwrite`) replaces it whole: it is written under a temporary name,
    then renamed, so that a reader sees the old file or the new one, never half of one."""

    @property
    def base_location(self) -> str:
        return str(settings.PRIVATE_FILES_ROOT)

    @property
    def location(self) -> str:
        return os.path.abspath(self.base_location)

    def url(self, name: str | None) -> str:
        raise ValueError("Private files have no public URL; they are served by views that check access.")

    def _save(self, name: str, content: File) -> str:
        if not (self._allow_overwrite and self.exists(name)):
            return super()._save(name, content)
        full_path = self.path(name)
        descriptor, temporary = tempfile.mkstemp(dir=os.path.dirname(full_path), prefix=".", suffix=".tmp")
        try:
            with os.fdopen(descriptor, "wb") as written:
                for chunk in content.chunks():
                    written.write(chunk.encode() if isinstance(chunk, str) else chunk)
            if self.file_permissions_mode is not None:
                os.chmod(temporary, self.file_permissions_mode)
            os.replace(temporary, full_path)
        except BaseException:
            os.unlink(temporary)
            raise
        return name


class NamedStorage(LazyObject):
    """The storage `STORAGES[alias]`, made when first used and again after a test changes the setting
    (as Django's `default_storage` is). A model field holds this, so that swapping the backend in the
    settings swaps it for the field too."""

    def __init__(self, alias: str) -> None:
        self.__dict__["alias"] = alias
        super().__init__()

    def _setup(self) -> None:
        self._wrapped = storages[self.alias]

    def __copy__(self) -> "NamedStorage":
        return self

    def __deepcopy__(self, memo: dict) -> "NamedStorage":
        return self


LETTERS = NamedStorage("letters")
IMPORTS = NamedStorage("imports")


@receiver(setting_changed)
def _storages_changed(*, setting: str, **kwargs: object) -> None:
    if setting == "STORAGES":
        LETTERS._wrapped = IMPORTS._wrapped = empty


def letters() -> Storage:
    """The storage of letters and scans (`STORAGES["letters"]`): a model field given this function
    records its name in migrations, not the backend of the day."""
    return LETTERS


def imports() -> Storage:
    """The storage of uploaded returns and their imports' progress files (`STORAGES["imports"]`)."""
    return IMPORTS


def replace(storage: Storage, name: str, content: File) -> None:
    """Save `content` as `name`, over the file of that name if there is one: in one step where the
    storage overwrites (the "imports" storage as configured), else after deleting the old file."""
    if storage.get_available_name(name) != name:
        storage.delete(name)
    saved = storage.save(name, content)
    if saved != name:
        storage.delete(saved)
        raise OSError(f"The storage kept {name} as {saved}; it must be able to save over a file.")
