"""Which OpenGL renderer this display has: ``python -m kiosk.widgets.gl_probe`` prints it as JSON.

:func:`kiosk.widgets.render.probe_gl` runs this in a child process, on the wall's Qt platform
and display, so that the GL driver is loaded into the wall only when the wall draws with it
(asking in the wall itself kept Mesa's llvmpipe and LLVM mapped, +30 MB PSS measured on Xvfb,
in a wall that then drew in software), and so that a driver that crashes while making a context
takes down the child, not the wall. Imports nothing of kiosk: it starts in a fraction of a
second.
"""

from __future__ import annotations

import json
import sys

GL_VENDOR, GL_RENDERER, GL_VERSION = 0x1F00, 0x1F01, 0x1F02


def ask() -> dict[str, str]:
    """Renderer, vendor and version, or ``problem``: why there is none. Makes the process's
    QGuiApplication (there must be none yet)."""
    from PySide6.QtGui import QGuiApplication, QOffscreenSurface, QOpenGLContext

    app = QGuiApplication(sys.argv[:1])
    platform = app.platformName()
    context = QOpenGLContext()
    if not context.create():
        return {"problem": f"no OpenGL context on the {platform} platform"}
    surface = QOffscreenSurface()
    surface.setFormat(context.format())
    surface.create()
    if not surface.isValid() or not context.makeCurrent(surface):
        return {"problem": f"an OpenGL context on {platform} could not be made current"}
    functions = context.functions()
    names = {"renderer": GL_RENDERER, "vendor": GL_VENDOR, "version": GL_VERSION}
    answers = {key: str(functions.glGetString(name) or "") for key, name in names.items()}
    context.doneCurrent()
    if not answers["renderer"]:
        return {"problem": f"OpenGL on {platform} did not name its renderer"}
    return answers


def main() -> None:
    print(json.dumps(ask()))


if __name__ == "__main__":
    main()
