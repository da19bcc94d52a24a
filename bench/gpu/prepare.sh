#!/usr/bin/env bash
# Prepares one GPU visit (run HERE, not on the device): builds the jar with the CUDA kernels, a
# jlink-ed Java runtime and the few jars the visit needs into .device-carry/ (git-ignored), which
# the device call carries. Then, on the device:  bash bench/gpu/run.sh   (with carry .device-carry)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
carry=.device-carry
m2="${M2_REPO:-$HOME/.m2/repository}"
junit_console_version=1.14.4

echo "== build (mvn -Pcuda package, tests compiled, not run)"
mvn -o -q -Pcuda package -DskipTests
so=target/classes/io/mmfuse/cuda/linux-x86_64/libjniKnnNative.so
[[ -f "$so" ]] || { echo "prepare: $so missing: was nvcc found?" >&2; exit 1; }

rm -rf "$carry"   # generated, owned by this script
mkdir -p "$carry/lib"
cp target/mmfuse.jar "$carry/lib/mmfuse.jar"
jar cf "$carry/lib/mmfuse-tests.jar" -C target/test-classes .

jar_of() {   # group-path artifact version
  local f="$m2/$1/$2/$3/$2-$3.jar"
  [[ -f "$f" ]] || { echo "prepare: missing $f" >&2; exit 1; }
  cp "$f" "$carry/lib/$2.jar"
}
jcpp_version=$(sed -n 's:.*<javacpp.version>\(.*\)</javacpp.version>.*:\1:p' pom.xml)
jar_of org/bytedeco javacpp "$jcpp_version"
cp "$m2/org/bytedeco/javacpp/$jcpp_version/javacpp-$jcpp_version-linux-x86_64.jar" "$carry/lib/javacpp-linux-x86_64.jar"
jar_of org/slf4j slf4j-api 2.0.17
jar_of org/slf4j slf4j-simple 2.0.17
jar_of org/assertj assertj-core 3.27.7
console="$m2/org/junit/platform/junit-platform-console-standalone/$junit_console_version/junit-platform-console-standalone-$junit_console_version.jar"
if [[ ! -f "$console" ]]; then
  mvn -q dependency:get -Dartifact="org.junit.platform:junit-platform-console-standalone:$junit_console_version"
fi
cp "$console" "$carry/lib/junit-platform-console-standalone.jar"

echo "== jlink"
# Fixed list: jdeps over the whole mmfuse jar drags in java.desktop/java.sql (Jackson, picocli),
# which the CUDA visit never touches and which would push the carry over its size limit.
modules="java.base,java.logging,java.xml,java.management,jdk.unsupported"
jlink --add-modules "$modules" --strip-debug --no-header-files --no-man-pages --compress=2 \
  --output "$carry/jre"

echo "== C++ self-test of the kernels (float64 reference), for run.sh step 0"
g++ -O3 -std=c++17 -pthread -I kernels kernels/test/knn_selftest.cpp target/kernels/libmmfuse_knn.a \
  -L/usr/local/cuda/lib64 -lcudart_static -ldl -lrt -o "$carry/knn_selftest"

# Sources too, so that a standalone C++ check can be built on the device if the JNI path fails:
#   nvcc -O3 -std=c++17 -gencode arch=compute_90a,code=sm_90a -I kernels kernels/*.cu kernels/test/knn_selftest.cpp -o /tmp/selftest
mkdir -p "$carry/kernels"
cp -r kernels/. "$carry/kernels/"

size=$(du -sm "$carry" | cut -f1)
echo "== $carry: ${size} MiB (modules: $modules)"
du -sh "$carry"/* | sort -h
if (( size > 55 )); then
  echo "prepare: $carry is over 55 MiB" >&2
  exit 1
fi
echo "next: device run with carry [\"$carry\"]:  bash bench/gpu/run.sh"
