"""check_device_output.py DEVICE -- TOOL ARGS...: creates DEVICE as a
character device with /dev/null's numbers (1:3), runs `TOOL ARGS... -o
DEVICE` and checks that it succeeded and DEVICE is still a character
device.  Never touches /dev/null itself.  Exits 0 without testing when
mknod is not permitted (not root)."""

import os
import stat
import subprocess
import sys

device, sep, *command = sys.argv[1:]
assert sep == "--", "usage: check_device_output.py DEVICE -- TOOL ARGS..."
if os.path.lexists(device):
    os.unlink(device)
try:
    os.mknod(device, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
except PermissionError:
    print("mknod not permitted; device output not tested")
    sys.exit(0)
try:
    code = subprocess.call(command + ["-o", device])
    mode = os.lstat(device).st_mode
    if code != 0 or not stat.S_ISCHR(mode):
        print(f"exit status {code}; {device} is {'a character device' if stat.S_ISCHR(mode) else 'no longer a device'}")
        sys.exit(1)
    # A failing run must not remove the device either.
    code = subprocess.call(command + ["--no-such-flag", "-o", device], stderr=subprocess.DEVNULL)
    if code == 0 or not stat.S_ISCHR(os.lstat(device).st_mode):
        print("a failing run removed or replaced the device")
        sys.exit(1)
finally:
    os.unlink(device)
