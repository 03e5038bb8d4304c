"""Output files written the way mlir-opt writes them (llvm::ToolOutputFile).

- The path is opened for writing before any processing, so a bad path is
  reported at once and not after a long solve; an existing file is opened
  through the path and truncated, never replaced: a device stays a device, a
  symlink stays a symlink (its target gets the text), and an existing file
  keeps its mode.  A new file gets 0666 minus the umask.
- `keep()` marks the run successful.  Otherwise `close()` removes what was
  opened, as mlir-opt does, so a failed run leaves no partial or stale
  output behind.  Unlike mlir-opt (which only spares /dev/null), anything
  that is not a regular file -- a character device, a FIFO -- is never
  removed.
"""

from __future__ import annotations

import os
import stat

from autoshard.diagnostics import AutoshardError

_CREATE_MODE = 0o666  # minus the umask, as for any file a tool creates


class OutputFile:
    def __init__(self, path: str):
        self.path = path
        self._kept = False
        try:
            self._fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_CLOEXEC", 0),
                               _CREATE_MODE)
        except OSError as err:
            raise AutoshardError(f"cannot open output file '{path}': {err.strerror}") from None
        self._regular = stat.S_ISREG(os.fstat(self._fd).st_mode)

    def write(self, text: str) -> None:
        data = text.encode("utf-8")
        view = memoryview(data)
        try:
            while view:
                written = os.write(self._fd, view)
                view = view[written:]
        except OSError as err:
            raise AutoshardError(f"cannot write output file '{self.path}': {err.strerror}") from None

    def keep(self) -> None:
        self._kept = True

    def close(self) -> None:
        """Closes the file; removes it unless `keep()` was called (regular
        files only)."""
        if self._fd < 0:
            return
        fd, self._fd = self._fd, -1
        try:
            os.close(fd)
        except OSError as err:  # e.g. NFS reporting a failed write late
            if self._kept:
                self._kept = False
                self._remove()
                raise AutoshardError(f"cannot write output file '{self.path}': {err.strerror}") from None
        if not self._kept:
            self._remove()

    def _remove(self) -> None:
        if self._regular:
            try:
                os.unlink(self.path)
            except OSError:
                pass  # already gone or not ours to remove: nothing to clean up

    def __enter__(self) -> "OutputFile":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
