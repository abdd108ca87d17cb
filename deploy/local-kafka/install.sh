#!/usr/bin/env bash
# Resolves the local stack's Apache Kafka into a jars folder (called by `make setup`).
#   deploy/local-kafka/install.sh DEST
# Needs Java 17+ and Maven; as root, installs them from Debian when they are missing.
set -euo pipefail
dest=$(realpath -m "$1")
pom="$(cd "$(dirname "$0")" && pwd)/pom.xml"

java_major() {
  # `java -version` prints e.g.: openjdk version "17.0.15" 2025-04-15 (1.8 style: "1.8.0_402")
  local v
  v=$("${JAVA_HOME:+$JAVA_HOME/bin/}java" -version 2>&1 | sed -n 's/.*version "\([0-9][0-9.]*\).*/\1/p' | head -1)
  v=${v#1.}
  echo "${v%%.*}"
}

have_java() { command -v "${JAVA_HOME:+$JAVA_HOME/bin/}java" >/dev/null 2>&1 && [ "$(java_major)" -ge 17 ] 2>/dev/null; }

if ! have_java || ! command -v mvn >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing Java 17 and Maven from Debian (needed to run the local Kafka broker)"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
      openjdk-17-jre-headless maven >/dev/null) || true
  fi
fi
if ! have_java; then
  echo "txenrich setup: the local Kafka broker needs Java 17 or newer; install it (Debian: apt-get install openjdk-17-jre-headless) or set JAVA_HOME" >&2
  exit 1
fi
if ! command -v mvn >/dev/null 2>&1; then
  echo "txenrich setup: Maven is needed to fetch Apache Kafka from Maven Central; install it (Debian: apt-get install maven)" >&2
  exit 1
fi

tmp="$dest.partial"
rm -rf "$tmp"
mkdir -p "$tmp"
if ! mvn -q -B -Dstyle.color=never -f "$pom" dependency:copy-dependencies \
    -DincludeScope=runtime -DoutputDirectory="$tmp" >"$tmp.log" 2>&1; then
  tail -20 "$tmp.log" >&2
  echo "txenrich setup: Maven could not resolve Apache Kafka from Maven Central (log: $tmp.log)" >&2
  exit 1
fi
rm -f "$tmp.log"
ls "$tmp"/kafka_2.13-*.jar >/dev/null
rm -rf "$dest"
mv "$tmp" "$dest"

# Kafka's own command-line tools over these jars, named as in its distribution's bin/
bin="$(dirname "$dest")/bin"
mkdir -p "$bin"
tool() {
  cat >"$bin/$1" <<SH
#!/usr/bin/env sh
# Kafka's $1 (the distribution's script), run from the jars in $dest
exec "\${JAVA_HOME:+\$JAVA_HOME/bin/}java" -Xmx256m -cp "$dest/*" $2 "\$@"
SH
  chmod +x "$bin/$1"
}
tool kafka-topics.sh org.apache.kafka.tools.TopicCommand
tool kafka-console-producer.sh org.apache.kafka.tools.ConsoleProducer
tool kafka-console-consumer.sh org.apache.kafka.tools.consumer.ConsoleConsumer
tool kafka-consumer-groups.sh org.apache.kafka.tools.consumer.group.ConsumerGroupCommand
echo "Apache Kafka: $(ls "$dest" | wc -l) jars in $dest; its tools in $bin"
