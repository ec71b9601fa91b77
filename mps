#!/usr/bin/env bash
# momentum-ps front end. Builds cli/target/mps.jar first when it is missing or older than any source,
# then runs it: ./mps --help, ./mps train, ./mps server, ./mps worker, ...
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
. "$here/src/scripts/ensure-jdk.sh"
jar="$here/cli/target/mps.jar"
if [ ! -f "$jar" ] || [ -n "$(find "$here/pom.xml" "$here/proto" "$here/wire" "$here/server" "$here/worker" "$here/study" "$here/cli" \
      \( -name target -prune \) -o \( -type f \( -name '*.java' -o -name '*.proto' -o -name pom.xml \) \
      -newer "$jar" -print \) 2>/dev/null | head -1)" ]; then
  echo "mps: building the front end (./mvnw -q package -DskipTests) ..." >&2
  (cd "$here" && ./mvnw -q -B package -DskipTests -Dmaven.javadoc.skip=true) >&2
fi
# gRPC's Netty on both sides (JvmOptions.NETTY): 16 MiB pool chunks in one arena, no leak-detection sampling,
# direct memory allocated without zeroing it first
netty_opts=(-Dio.grpc.netty.shaded.io.netty.allocator.maxOrder=11 -Dio.grpc.netty.shaded.io.netty.allocator.numDirectArenas=1 -Dio.grpc.netty.shaded.io.netty.leakDetection.level=disabled --add-opens=java.base/java.nio=ALL-UNNAMED -Dio.grpc.netty.shaded.io.netty.tryReflectionSetAccessible=true)
# a server's JVM options (the same list as cli/.../run/JvmOptions.SERVER; JvmOptionsTest checks they agree)
server_opts=(-XX:+UseSerialGC -Xms16m -XX:MaxNewSize=16m -XX:MinHeapFreeRatio=5 -XX:MaxHeapFreeRatio=10 -Dmps.gcAfterInitialize=true -XX:+UseTransparentHugePages -XX:+UnlockExperimentalVMOptions -XX:TrimNativeHeapInterval=2000 "${netty_opts[@]}")
server_env=(MALLOC_ARENA_MAX=2)
# a worker's JVM options (JvmOptions.WORKER)
worker_opts=(-XX:+UseTransparentHugePages "${netty_opts[@]}")
if [ "${1:-}" = server ]; then
  exec env "${server_env[@]}" java "${server_opts[@]}" ${MPS_JAVA_OPTS:-} -jar "$jar" "$@"
fi
if [ "${1:-}" = worker ]; then
  exec java "${worker_opts[@]}" ${MPS_JAVA_OPTS:-} -jar "$jar" "$@"
fi
exec java ${MPS_JAVA_OPTS:-} -jar "$jar" "$@"
