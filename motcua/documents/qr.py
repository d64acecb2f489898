"""QR codes (segno) for printed documents and posters."""

import segno


def qr_data_uri(
    text: str, *, kind: str = "svg", scale: int = 10, border: int = 4, error: str = "m"
) -> str:
    """A `data:` URI of the QR code of `text`, SVG (vector, crisp in print) or PNG.

    Error correction M survives a creased or slightly soiled print; the 4-module quiet zone
    is what scanners expect. Size it with CSS where it is shown.
    """
    code = segno.make(text, error=error, micro=False)
    options = {"scale": scale, "border": border, "dark": "#000000", "light": "#ffffff"}
    if kind == "svg":
        return code.svg_data_uri(**options)
    if kind == "png":
        return code.png_data_uri(**options)
    raise ValueError(f"unknown QR image kind {kind!r}")
