"""Proof-of-delivery images: a signature drawn on the run sheet's canvas (a PNG data URL) or
uploaded, and photos from the driver's camera.

Nothing is stored as sent: the content is sniffed by decoding it (the name and the declared
content type are the client's word, not proof), refused above a size limit, and re-encoded
(PNG for signatures, JPEG for photos), which also drops anything smuggled after the image and
the photo's metadata (a phone's EXIF carries the GPS position of the driver's home too).
"""

import base64
import binascii
import io
import re

from django.core.files.base import ContentFile
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps, UnidentifiedImageError

from core.errors import ApplicationError

from .errors import DeliveryErrorCode

MAX_BYTES = 8 * 1024 * 1024
MAX_PIXELS = 40_000_000
# A photo is kept at most this wide or high: enough to read a label, small for the storage.
MAX_SIDE = 2048
ALLOWED_FORMATS = {"PNG", "JPEG", "WEBP", "GIF"}
DATA_URL = re.compile(r"^data:image/[a-z+]+;base64,(?P<data>[A-Za-z0-9+/=\s]+)$")


class InvalidFile(ApplicationError):
    def __init__(self, *, field: str, message) -> None:
        super().__init__(code=DeliveryErrorCode.INVALID_FILE, details={field: [message]},
                         message=message)


def proof_bytes(value, *, field: str) -> bytes:
    """The raw bytes of an upload or of a `data:image/...;base64,` URL, within the limit."""
    if isinstance(value, str):
        match = DATA_URL.match(value.strip())
        if match is None:
            raise InvalidFile(field=field, message=_("Send an image (a PNG or JPEG file)."))
        try:
            data = base64.b64decode(match["data"], validate=False)
        except (binascii.Error, ValueError):
            raise InvalidFile(field=field, message=_("The image could not be read.")) from None
    else:
        if value.size is not None and value.size > MAX_BYTES:
            raise _too_big(field)
        data = value.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise _too_big(field)
    return data


def _too_big(field: str) -> InvalidFile:
    return InvalidFile(field=field, message=_("The image is larger than %(size)s MB.")
                       % {"size": MAX_BYTES // (1024 * 1024)})


def image_reencode(value, *, field: str, kind: str) -> ContentFile:
    """The image re-encoded: `kind` "signature" → PNG, "photo" → JPEG at most MAX_SIDE px."""
    data = proof_bytes(value, field=field)
    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    try:
        with Image.open(io.BytesIO(data)) as probe:
            if probe.format not in ALLOWED_FORMATS:
                raise InvalidFile(field=field, message=_("Send a PNG, JPEG, WebP or GIF image."))
            probe.verify()
        with Image.open(io.BytesIO(data)) as image:
            image = ImageOps.exif_transpose(image)
            out = io.BytesIO()
            if kind == "signature":
                image.convert("RGBA").save(out, format="PNG", optimize=True)
                return ContentFile(out.getvalue(), name="signature.png")
            image = image.convert("RGB")
            image.thumbnail((MAX_SIDE, MAX_SIDE))
            image.save(out, format="JPEG", quality=85)
            return ContentFile(out.getvalue(), name="photo.jpg")
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError,
            Image.DecompressionBombError):
        raise InvalidFile(field=field, message=_("The image could not be read.")) from None
