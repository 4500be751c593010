#!/bin/sh
# The bundle for the .deb, built in a Debian 11 (bullseye, glibc 2.31) chroot so that it runs on
# the oldest desktops it is meant for (UOS 20, glibc 2.28): see README, 「安装包（给窗口终端）」.
#
#     installer/deb/bullseye_bundle.sh BUILDROOT        (as root; `make deb` calls it)
#
# BUILDROOT (outside the repository) keeps the chroot between runs: debootstrap, the build
# packages, Python 3.11 and the virtual environment are each made once; every run copies the
# working tree in and runs PyInstaller. Result: BUILDROOT/bullseye/out/zongzhi.
# Python 3.11 is built from Debian's python3.11 source package (bookworm: 3.11.2 with Debian's
# security fixes, the upstream ones only) with installer/deb/glibc_2_28.h; PySide6 is the newest
# 6.9.x, the last series whose wheels need glibc 2.28 (6.10 on: 2.34).
set -eu

BUILDROOT=$(realpath -m "${1:?usage: $0 BUILDROOT}")
REPO=$(cd "$(dirname "$0")/../.." && pwd)
MIRROR=${DEB_MIRROR:-http://deb.debian.org/debian}
CH=$BUILDROOT/bullseye
PY=/opt/python3.11
NICE="nice -n 19"

mkdir -p "$BUILDROOT"
if [ ! -x "$CH/usr/bin/apt-get" ]; then
    $NICE debootstrap --variant=minbase bullseye "$CH" "$MIRROR"
fi

mounted=""
cleanup() {
    for m in $mounted; do umount "$m" 2>/dev/null || umount -l "$m" || true; done
}
trap cleanup EXIT INT TERM
for m in proc dev; do
    if ! mountpoint -q "$CH/$m"; then
        mount --bind "/$m" "$CH/$m"
        mounted="$CH/$m $mounted"
    fi
done
cp /etc/resolv.conf "$CH/etc/resolv.conf" 2>/dev/null || true

in_chroot() {
    chroot "$CH" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 \
        DEBIAN_FRONTEND=noninteractive PIP_CERT=/etc/ssl/certs/ca-certificates.crt "$@"
}

# Build tools, the headers of what Python's own modules link to (those libraries travel in the
# bundle), and the libraries PySide6's modules need to be imported while PyInstaller looks.
if [ ! -f "$CH/.zongzhi-packages" ]; then
    echo "deb-src $MIRROR bookworm main" > "$CH/etc/apt/sources.list.d/bookworm-src.list"
    in_chroot apt-get update -q
    in_chroot $NICE apt-get install -y -q --no-install-recommends \
        build-essential dpkg-dev pkg-config binutils ca-certificates xz-utils \
        libssl-dev zlib1g-dev libffi-dev libsqlite3-dev libbz2-dev liblzma-dev uuid-dev \
        libegl1 libgl1 libfontconfig1 libfreetype6 libglib2.0-0 libdbus-1-3 libcups2 \
        libxkbcommon0 libxkbcommon-x11-0 libx11-xcb1 libxcb1 libxcb-cursor0 libxcb-icccm4 \
        libxcb-image0 libxcb-keysyms1 libxcb-randr0 libxcb-render-util0 libxcb-shape0 \
        libxcb-xkb1 libxcb-xinerama0 libwayland-client0 libwayland-cursor0 libwayland-egl1
    touch "$CH/.zongzhi-packages"
fi
# A proxy's or an organisation's own certificate authorities, as the host trusts them.
if ls /usr/local/share/ca-certificates/*.crt >/dev/null 2>&1; then
    cp /usr/local/share/ca-certificates/*.crt "$CH/usr/local/share/ca-certificates/"
    in_chroot update-ca-certificates >/dev/null
fi

# glibc 2.30's sem_clockwait would raise the floor; without it Python waits on a semaphore with
# sem_timedwait, as it does on glibc 2.28 itself.
PY_CONFIGURE="--prefix=$PY --enable-shared --with-ensurepip=install ac_cv_func_sem_clockwait=no"
py_sum=$(printf '%s\n' "$PY_CONFIGURE" | cat - "$REPO/installer/deb/glibc_2_28.h" | sha256sum | cut -c1-16)
if [ "$(cat "$CH$PY/.zongzhi-build" 2>/dev/null)" != "$py_sum" ]; then
    cp "$REPO/installer/deb/glibc_2_28.h" "$CH/opt/glibc_2_28.h"
    in_chroot sh -euc "
        rm -rf /build/python && mkdir -p /build/python && cd /build/python
        apt-get source -q --download-only python3.11
        dpkg-source -x python3.11_*.dsc debian-tree >/dev/null
        tar xzf python3.11_*.orig.tar.gz
        cd Python-3.11.*
        # Debian's own layout patches stay out (they expect /usr); its fixes of upstream bugs
        # and security holes, listed from shutdown-deadlock.diff on, go in.
        awk '/shutdown-deadlock/{p=1} p' ../debian-tree/debian/patches/series |
            while read -r p; do patch -p1 -s --forward < ../debian-tree/debian/patches/\$p; done
        # Debian's fix for CVE-2026-4224 reaches into the interpreter's internals from pyexpat,
        # which Debian builds in; built as a module here it must say so (as 3.12 does).
        sed -i '1i #ifndef Py_BUILD_CORE_BUILTIN\n#  define Py_BUILD_CORE_MODULE 1\n#endif' Modules/pyexpat.c
        ./configure -q $PY_CONFIGURE \
            CFLAGS='-O2 -include /opt/glibc_2_28.h' LDFLAGS='-Wl,-rpath,$PY/lib'
        $NICE make -s -j2
        make -s install
    "
    echo "$py_sum" > "$CH$PY/.zongzhi-build"
fi

# SQLite, built here the same way: Debian 11's own asks for glibc 2.29's log(). It goes beside
# libpython (Python's modules find it there first, by their run path) and so into the bundle.
sq_sum=$(cat "$REPO/installer/deb/glibc_2_28.h" | sha256sum | cut -c1-16)
if [ "$(cat "$CH$PY/.zongzhi-sqlite" 2>/dev/null)" != "$sq_sum" ]; then
    in_chroot apt-get install -y -q --no-install-recommends tcl
    in_chroot sh -euc "
        rm -rf /build/sqlite && mkdir -p /build/sqlite && cd /build/sqlite
        apt-get source -q sqlite3 >/dev/null
        cd sqlite3-*/
        ./configure -q --disable-static --enable-fts5 --disable-tcl \
            CFLAGS='-O2 -include /opt/glibc_2_28.h -DSQLITE_ENABLE_COLUMN_METADATA \
                -DSQLITE_ENABLE_FTS3 -DSQLITE_ENABLE_FTS3_PARENTHESIS -DSQLITE_ENABLE_RTREE=1 \
                -DSQLITE_ENABLE_JSON1 -DSQLITE_ENABLE_DBSTAT_VTAB -DSQLITE_SECURE_DELETE \
                -DSQLITE_ENABLE_UNLOCK_NOTIFY -DSQLITE_USE_URI=1 -DSQLITE_MAX_VARIABLE_NUMBER=250000'
        $NICE make -s -j2 libsqlite3.la
        cp -P .libs/libsqlite3.so.0* $PY/lib/
    "
    echo "$sq_sum" > "$CH$PY/.zongzhi-sqlite"
fi

# The project's dependencies (pyproject.toml), PySide6 held to 6.9.x; again only when they change.
sum=$(cat "$REPO/pyproject.toml" "$0" | sha256sum | cut -c1-16)
if [ "$(cat "$CH/opt/venv/.zongzhi-deps" 2>/dev/null)" != "$sum" ]; then
    cp "$REPO/pyproject.toml" "$CH/opt/pyproject.toml"
    in_chroot sh -euc "
        [ -x /opt/venv/bin/python ] || $PY/bin/python3.11 -m venv /opt/venv
        /opt/venv/bin/python -c 'import tomllib; print(*tomllib.load(open(\"/opt/pyproject.toml\", \"rb\"))[\"project\"][\"dependencies\"], sep=\"\n\")' > /opt/requirements.txt
        printf 'pyside6-essentials>=6.9,<6.10\nshiboken6>=6.9,<6.10\n' > /opt/constraints.txt
        $NICE /opt/venv/bin/python -m pip install -q --upgrade pip
        $NICE /opt/venv/bin/python -m pip install -q -c /opt/constraints.txt 'pyinstaller>=6.6,<7' -r /opt/requirements.txt
    "
    echo "$sum" > "$CH/opt/venv/.zongzhi-deps"
fi

# The working tree as it is (tracked and new files; the manual's screenshots from `make manual`).
rm -rf "$CH/src" && mkdir -p "$CH/src"
(cd "$REPO" && git ls-files -z -co --exclude-standard | tar --null --ignore-failed-read -T - -cf -) |
    tar -xf - -C "$CH/src"
if [ -d "$REPO/docs/manual-images" ]; then cp -r "$REPO/docs/manual-images" "$CH/src/docs/"; fi
in_chroot sh -euc "
    cd /src
    $NICE /opt/venv/bin/pyinstaller --noconfirm --clean --log-level WARN \
        --distpath /out --workpath /build/pyinstaller installer/zongzhi.spec
"
echo "$CH/out/zongzhi"
