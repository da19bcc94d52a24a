#!/usr/bin/env bash
# Structural lint of the Dockerfiles, for CI machines without a Docker engine (and without
# hadolint, which is run as well when it is installed). Checks what breaks or weakens an image
# build: instruction names, FROM first, pinned base images, ADD (of URLs or at all: use COPY),
# COPY --from naming a defined stage, local COPY sources that exist, apt-get hygiene, sudo,
# exec-form CMD/ENTRYPOINT, absolute WORKDIR, a non-root USER in the final stage.
#
#   docker/check.sh                 check docker/Dockerfile*
#   docker/check.sh FILE...         check these files (COPY sources resolve against the repo root)
#   docker/check.sh --self-test     prove each rule fires on a bad file and passes a good one
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
context="$(cd "$here/.." && pwd)"

# Prints one logical instruction per line: "LINENO<TAB>INSTRUCTION ARGS", continuations joined,
# comments and blank lines dropped.
logical_lines() {
  awk '
    BEGIN { buf = ""; start = 0 }
    {
      line = $0
      sub(/\r$/, "", line)
      if (buf == "" && line ~ /^[ \t]*#/) next
      if (buf == "" && line ~ /^[ \t]*$/) next
      if (buf != "" && line ~ /^[ \t]*#/) next
      if (buf == "") start = NR
      if (line ~ /\\[ \t]*$/) {
        sub(/\\[ \t]*$/, "", line)
        buf = buf line " "
        next
      }
      buf = buf line
      gsub(/^[ \t]+/, "", buf)
      print start "\t" buf
      buf = ""
    }
    END { if (buf != "") print start "\t" buf }
  ' "$1"
}

check_file() {
  local file="$1" errors=0
  local -a stages=()
  local -A argdefault=()
  local seen_from=0 final_user="" lineno text instr args
  err() { echo "$file:$1: $2"; errors=$((errors + 1)); }

  [[ -s "$file" ]] || { echo "$file: missing or empty"; return 1; }
  while IFS=$'\t' read -r lineno text; do
    instr="${text%%[[:space:]]*}"
    args="${text#"$instr"}"
    args="${args#"${args%%[![:space:]]*}"}"
    instr="${instr^^}"
    case "$instr" in
      FROM|RUN|CMD|LABEL|EXPOSE|ENV|ADD|COPY|ENTRYPOINT|VOLUME|USER|WORKDIR|ARG|ONBUILD|STOPSIGNAL|HEALTHCHECK|SHELL) ;;
      MAINTAINER) err "$lineno" "MAINTAINER is deprecated; use LABEL" ;;
      *) err "$lineno" "unknown instruction '$instr'"; continue ;;
    esac
    if (( ! seen_from )) && [[ "$instr" != FROM && "$instr" != ARG ]]; then
      err "$lineno" "$instr before the first FROM (only ARG may precede it)"
    fi
    case "$instr" in
      ARG)
        if (( ! seen_from )) && [[ "$args" == *=* ]]; then
          argdefault["${args%%=*}"]="${args#*=}"
        fi ;;
      FROM)
        seen_from=1
        final_user=""
        local image="${args%%[[:space:]]*}" rest
        [[ "$args" == --platform=* ]] && image="$(awk '{print $2}' <<<"$args")"
        rest="$(awk '{print toupper($(NF-1)) " " $NF}' <<<"$args")"
        if [[ "$rest" == "AS "* ]]; then
          stages+=("${args##*[[:space:]]}")
        fi
        # Resolve ${NAME} from the ARG defaults declared before the first FROM.
        while [[ "$image" =~ \$\{([A-Za-z_][A-Za-z0-9_]*)\} ]]; do
          local name="${BASH_REMATCH[1]}"
          if [[ -z "${argdefault[$name]+x}" ]]; then
            err "$lineno" "FROM uses \${$name}, which has no default in an ARG before the first FROM"
            break
          fi
          image="${image//\$\{$name\}/${argdefault[$name]}}"
        done
        local known=0 s
        for s in "${stages[@]:0:${#stages[@]}}"; do [[ "$image" == "$s" ]] && known=1; done
        if (( ! known )) && [[ "$image" != scratch ]]; then
          if [[ "$image" == *@sha256:* ]]; then :
          elif [[ "${image##*/}" != *:* ]]; then err "$lineno" "base image '$image' has no tag: pin one"
          elif [[ "$image" == *:latest ]]; then err "$lineno" "base image '$image' uses :latest: pin a version"
          fi
        fi ;;
      ADD)
        if [[ "$args" =~ (https?|ftp)://|git@ ]]; then
          err "$lineno" "ADD of a URL: download in a RUN step with a checksum, or vendor the file"
        else
          err "$lineno" "ADD of local files: use COPY (ADD also unpacks archives implicitly)"
        fi ;;
      COPY)
        if [[ "$args" =~ --from=([^[:space:]]+) ]]; then
          local from="${BASH_REMATCH[1]}" ok=0 s
          [[ "$from" =~ ^[0-9]+$ ]] && ok=1
          for s in "${stages[@]:0:${#stages[@]}}"; do [[ "$from" == "$s" ]] && ok=1; done
          [[ "$from" == */* || "$from" == *:* ]] && ok=1   # an image reference
          (( ok )) || err "$lineno" "COPY --from=$from names no stage defined above"
        else
          local -a words
          read -r -a words <<<"$args"
          local -a srcs=()
          local w
          for w in "${words[@]}"; do [[ "$w" == --* ]] || srcs+=("$w"); done
          if (( ${#srcs[@]} < 2 )); then
            err "$lineno" "COPY needs a source and a destination"
          else
            local i
            for (( i = 0; i < ${#srcs[@]} - 1; i++ )); do
              if ! compgen -G "$context/${srcs[$i]}" >/dev/null; then
                err "$lineno" "COPY source '${srcs[$i]}' does not exist in the build context $context"
              fi
            done
          fi
        fi ;;
      RUN)
        if [[ "$args" =~ (^|[^[:alnum:]_-])sudo([[:space:]]|$) ]]; then
          err "$lineno" "sudo in RUN: use USER"
        fi
        if [[ "$args" =~ apt-get[[:space:]]+(-[^[:space:]]+[[:space:]]+)*(dist-)?upgrade ]]; then
          err "$lineno" "apt-get upgrade in an image build: pin the base image instead"
        fi
        if [[ "$args" =~ apt-get[[:space:]]+(-[^[:space:]]+[[:space:]]+)*install ]]; then
          [[ "$args" =~ install[^\&\;]*(-y|--yes|-qq) ]] || err "$lineno" "apt-get install without -y"
          [[ "$args" == *--no-install-recommends* ]] || err "$lineno" "apt-get install without --no-install-recommends"
          [[ "$args" == *"rm -rf /var/lib/apt/lists"* ]] || err "$lineno" "apt-get install without 'rm -rf /var/lib/apt/lists/*' in the same RUN"
        fi ;;
      CMD|ENTRYPOINT)
        if [[ "$args" != \[*\] ]]; then
          err "$lineno" "$instr in shell form: use the exec (JSON array) form so signals reach the server"
        elif command -v python3 >/dev/null; then
          python3 -c 'import json,sys; v=json.loads(sys.argv[1]); assert isinstance(v,list) and all(isinstance(x,str) for x in v)' "$args" 2>/dev/null \
            || err "$lineno" "$instr is not a JSON array of strings"
        fi ;;
      WORKDIR)
        [[ "$args" == /* || "$args" == \$* ]] || err "$lineno" "WORKDIR '$args' is not absolute" ;;
      USER)
        final_user="${args%%:*}" ;;
      EXPOSE)
        local p
        for p in $args; do [[ "$p" =~ ^[0-9]+(/(tcp|udp))?$ ]] || err "$lineno" "EXPOSE '$p' is not a port"; done ;;
    esac
  done < <(logical_lines "$file")

  (( seen_from )) || err 1 "no FROM instruction"
  if [[ -z "$final_user" || "$final_user" == root || "$final_user" == 0 ]]; then
    err "end" "the final stage runs as root: add a USER"
  fi
  if command -v hadolint >/dev/null; then
    hadolint "$file" || errors=$((errors + 1))
  fi
  return $(( errors > 0 ))
}

self_test() {
  local dir failures=0
  dir="$(mktemp -d)"
  expect() { # expect FAIL|PASS pattern dockerfile-text
    local want="$1" pattern="$2" body="$3" out
    printf '%s\n' "$body" >"$dir/Dockerfile"
    out="$(check_file "$dir/Dockerfile" 2>&1)"
    local rc=$?
    if [[ "$want" == PASS ]]; then
      (( rc == 0 )) || { echo "self-test: expected a pass, got: $out"; failures=$((failures + 1)); }
    elif (( rc == 0 )) || ! grep -q -- "$pattern" <<<"$out"; then
      echo "self-test: expected '$pattern' for:"; printf '%s\n' "$body" | sed 's/^/    /'; echo "  got: ${out:-nothing}"
      failures=$((failures + 1))
    fi
  }
  local ok=$'FROM debian:12.5 AS build\nRUN apt-get update \\\n && apt-get install -y --no-install-recommends curl \\\n && rm -rf /var/lib/apt/lists/*\nFROM debian:12.5\nCOPY --from=build /etc/hostname /x\nCOPY pom.xml /app/\nWORKDIR /app\nUSER app\nENTRYPOINT ["/bin/true"]'
  expect PASS "" "$ok"
  expect FAIL "before the first FROM" $'RUN true\nFROM debian:12\nUSER a'
  expect FAIL "no tag" $'FROM debian\nUSER a'
  expect FAIL ":latest" $'FROM debian:latest\nUSER a'
  expect FAIL "has no default" $'ARG IMG\nFROM ${IMG}\nUSER a'
  expect FAIL ":latest" $'ARG IMG=debian:latest\nFROM ${IMG}\nUSER a'
  expect FAIL "ADD of a URL" $'FROM debian:12\nADD https://example.org/x.tgz /x\nUSER a'
  expect FAIL "use COPY" $'FROM debian:12\nADD pom.xml /x\nUSER a'
  expect FAIL "names no stage" $'FROM debian:12\nCOPY --from=builder /a /b\nUSER a'
  expect FAIL "does not exist" $'FROM debian:12\nCOPY no-such-file /b\nUSER a'
  expect FAIL "without -y" $'FROM debian:12\nRUN apt-get update && apt-get install --no-install-recommends x && rm -rf /var/lib/apt/lists/*\nUSER a'
  expect FAIL "no-install-recommends" $'FROM debian:12\nRUN apt-get install -y x && rm -rf /var/lib/apt/lists/*\nUSER a'
  expect FAIL "lists" $'FROM debian:12\nRUN apt-get install -y --no-install-recommends x\nUSER a'
  expect FAIL "sudo" $'FROM debian:12\nRUN sudo true\nUSER a'
  expect FAIL "shell form" $'FROM debian:12\nUSER a\nCMD java -jar x.jar'
  expect FAIL "JSON array" $'FROM debian:12\nUSER a\nCMD ["a", b]'
  expect FAIL "not absolute" $'FROM debian:12\nWORKDIR app\nUSER a'
  expect FAIL "runs as root" $'FROM debian:12\nRUN true'
  expect FAIL "runs as root" $'FROM debian:12\nUSER a\nFROM debian:12\nRUN true'
  expect FAIL "unknown instruction" $'FROM debian:12\nRUNN true\nUSER a'
  expect FAIL "not a port" $'FROM debian:12\nEXPOSE http\nUSER a'
  rm -rf "$dir"
  if (( failures )); then
    echo "docker/check.sh self-test: $failures rule(s) misbehaved"
    return 1
  fi
  echo "docker/check.sh self-test: every rule fired as expected"
}

main() {
  if [[ "${1:-}" == --self-test ]]; then
    self_test
    return
  fi
  local -a files=("$@")
  (( ${#files[@]} )) || files=("$here"/Dockerfile "$here"/Dockerfile.gpu)
  local f bad=0
  for f in "${files[@]}"; do
    check_file "$f" || bad=$((bad + 1))
  done
  if (( bad )); then
    echo "docker/check.sh: $bad of ${#files[@]} Dockerfile(s) have problems"
    return 1
  fi
  echo "docker/check.sh: ${#files[@]} Dockerfile(s) OK"
}

main "$@"
