# webrtc-star-server: a drop-in replacement for the @libp2p/webrtc-star-signalling-server image.
#
#   docker build -t webrtc-star-server .
#   docker run -p 9090:9090 webrtc-star-server
#
# Configured as the reference image (PORT, HOST, DISABLE_METRICS) and by WEBRTC_STAR_<NAME> for every
# other setting (WEBRTC_STAR_LOG_LEVEL, WEBRTC_STAR_TLS_CERT, WEBRTC_STAR_BACKEND, ...). Prefer the
# environment to command-line flags: the HEALTHCHECK runs the binary again with the container's
# environment but without the container's arguments, so only settings in the environment reach it.

FROM debian:bookworm-slim AS build
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      g++ cmake ninja-build libboost1.81-dev nlohmann-json3-dev libspdlog-dev libcli11-dev libssl-dev \
      pkg-config libhiredis-dev libsecp256k1-dev libcrypto++-dev \
 && apt-get clean && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF -DSTAR_BUILD_BENCH=OFF \
      -DSTAR_MAN_PAGE=OFF -DSTAR_SYSTEMD_UNIT=OFF \
 && cmake --build build \
 && strip --strip-unneeded -o /webrtc-star-server build/server/webrtc-star-server

FROM debian:bookworm-slim
# Exactly the shared libraries the binary links (ldd): spdlog 1.10 and its fmt 9, OpenSSL 3, hiredis 0.14,
# libsecp256k1 and Crypto++ (federation signatures and Keccak-256).
# libstdc++ and libgcc_s are already in the base image.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends libspdlog1.10 libfmt9 libssl3 libhiredis0.14 libsecp256k1-1 libcrypto++8 \
 && apt-get clean \
 && rm -rf /var/lib/apt/lists/* /var/cache/debconf/*-old /var/log/apt /var/log/dpkg.log \
 && groupadd --system --gid 10001 webrtc-star \
 && useradd --system --uid 10001 --gid webrtc-star --no-create-home --home-dir /nonexistent \
      --shell /usr/sbin/nologin webrtc-star
COPY --from=build /webrtc-star-server /usr/local/bin/webrtc-star-server
# Fails the build at once if a runtime library is missing.
RUN webrtc-star-server --help >/dev/null

USER 10001:10001
EXPOSE 9090
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=30s --timeout=5s --start-period=5s --retries=3 CMD ["webrtc-star-server", "--healthcheck"]
ENTRYPOINT ["webrtc-star-server"]
