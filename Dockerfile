# Dockerfile: the foliod container image. `make container` builds it with
# podman (tests/container/test --build-only), `make container-test` also runs
# it the way the cluster does (k8s/); `docker build .` works the same on a
# machine with Docker.
#
# Two stages. "build" compiles foliod on Debian 12 with the project's own
# dependency script, then lays out the runtime filesystem in /rootfs: the
# stripped binary, exactly the shared libraries that ldd says it loads (at the
# paths the loader looks for them) and the loader itself, passwd/group with
# the foliod user, the sample content and the default config. The runtime
# stage is that tree on an empty (scratch) base: no shell, no package manager,
# no compiler, nothing else to patch.
#
# Run it read-only with two writable mounts (k8s/base/foliod-deployment.yaml):
#   podman run --read-only --tmpfs /tmp --tmpfs /var/cache/foliod \
#       -p 127.0.0.1:8080:8080 -p 127.0.0.1:9090:9090 IMAGE
# Without them foliod refuses to start and names the path to mount.

FROM debian:12-slim AS build

# The dependencies first, in a layer of their own: it is rebuilt only when
# the list in install-deps changes.
COPY build-aux/install-deps /src/build-aux/install-deps
RUN /src/build-aux/install-deps && rm -rf /var/lib/apt/lists/*

WORKDIR /src
COPY Makefile ./
COPY lib/ lib/
COPY daemon/ daemon/
# The daemon only: the tests run in `make check`, not here.
RUN make -j"$(nproc)" all

COPY content/ /rootfs/srv/foliod/content/
COPY etc/foliod-container.conf /rootfs/etc/foliod/foliod.conf
# The runtime tree. Each library is copied from the file its link points to,
# to the path ldd printed (where the loader, which has no ld.so.cache here,
# finds it on its default path); a library ldd cannot find fails the build.
# /tmp and /var/cache/foliod are mode 1777 because runc gives a tmpfs mounted
# there (`--tmpfs`) the mode of the image's directory and root as owner:
# with 0755 uid 1001 could not write the cache (Kubernetes' emptyDir with
# fsGroup 1001 does not depend on it).
RUN set -eu; \
    R=/rootfs; \
    install -D -m 0755 -s build/foliod "$R/usr/sbin/foliod"; \
    ldd build/foliod | tee /tmp/ldd; \
    if grep -q 'not found' /tmp/ldd; then exit 1; fi; \
    for lib in $(awk '$2 == "=>" && $3 ~ /^\// { print $3 } \
        $1 ~ /^\// { print $1 }' /tmp/ldd); do \
        install -D -m 0755 "$(readlink -f "$lib")" "$R$lib"; \
    done; \
    printf '%s\n' 'root:x:0:0:root:/root:/usr/sbin/nologin' \
        'foliod:x:1001:1001:foliod:/nonexistent:/usr/sbin/nologin' \
        >"$R/etc/passwd"; \
    printf '%s\n' 'root:x:0:' 'foliod:x:1001:' >"$R/etc/group"; \
    chmod -R u=rwX,go=rX "$R/etc" "$R/srv"; \
    install -d -m 1777 "$R/tmp"; \
    install -d -m 1777 -o 1001 -g 1001 "$R/var/cache/foliod"; \
    "$R/usr/sbin/foliod" -t -c "$R/etc/foliod/foliod.conf" -r "$R/srv/foliod/content"; \
    find "$R" -printf '%M %4U:%-4G %8s %p\n' | sort -k4

FROM scratch
COPY --from=build /rootfs/ /
# The image's own user; Kubernetes sets the same ids (runAsUser/Group 1001).
USER 1001:1001
# 8080: the site (listen); 9090: /healthz, /readyz, /metrics (admin_listen).
EXPOSE 8080 9090
# foliod is PID 1: it handles TERM itself (finishes requests in flight, exits
# 0 within shutdown_timeout) and reaps whatever it inherits.
STOPSIGNAL SIGTERM
# Flags after the image name are added to these (they override the file):
# e.g. `IMAGE -w 4 -v`.
ENTRYPOINT ["/usr/sbin/foliod", "-f", "-c", "/etc/foliod/foliod.conf"]
LABEL org.opencontainers.image.title="foliod" \
      org.opencontainers.image.description="A small, fast server for a markdown blog" \
      org.opencontainers.image.version="0.1.0"
