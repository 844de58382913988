#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# splats.sh CONSOLE.LOG - look for kernel warnings, oopses and lockups in a
# test VM's console log.  Prints each one with the lines around it and exits
# 1 if there is any, 0 if the log is clean.
#
# The guest's /init dumps the whole ring buffer (log_buf_len=8M, so nothing
# is lost) between "kwish-dmesg-begin/end" markers before it powers off;
# only that dump is scanned then, so nothing is reported twice.  A guest
# that crashed or hung never wrote the dump: then the live console output is
# scanned instead.
set -euo pipefail

LOG=${1:?usage: splats.sh CONSOLE.LOG}
[ -f "$LOG" ] || { echo "splats: no $LOG" >&2; exit 1; }

PATTERN='BUG:|WARNING:|Oops|general protection fault|soft lockup|hard LOCKUP|hung_task|blocked for more than|KASAN|UBSAN|possible circular locking|possible recursive locking|inconsistent lock state|Kernel panic|Call Trace|kernel BUG at|RCU stall|rcu_sched self-detected stall|detected stall|refcount_t:|list_add corruption|list_del corruption|unreferenced object'

tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
if grep -q '==== kwish-dmesg-end ====' "$LOG"; then
	sed -n '/==== kwish-dmesg-begin ====/,/==== kwish-dmesg-end ====/p' "$LOG" > "$tmp"
else
	cp "$LOG" "$tmp"
fi
tr -d '\r' < "$tmp" > "$tmp.2" && mv "$tmp.2" "$tmp"

# The debug kernel's faultinject phase makes allocations fail on purpose,
# between its markers "kwish-init: faultinject: begin" and "... end".
# There, and only there, a stack dump that belongs to such a failure is
# expected: one that follows fault injection's own report
# ("FAULT_INJECTION: forcing a failure", with its stack at verbose=2) or
# warn_alloc()'s ("page allocation failure: order:...", "vmalloc error:
# size ...") and ends at its "</TASK>".  Its "Call Trace:" line is dropped;
# everything else stays, so a BUG, WARNING, KASAN or lockdep report there
# is still found (by its own first line).
awk '
	/kwish-init: faultinject: begin/ { fi = 1 }
	/kwish-init: faultinject: end/ { fi = 0; dump = 0 }
	fi && /FAULT_INJECTION: forcing a failure|: page allocation failure: order:|: vmalloc error: size / { dump = 1 }
	dump && /Call Trace:/ { next }
	dump && /<\/TASK>/ { dump = 0 }
	{ print }
' "$tmp" > "$tmp.2" && mv "$tmp.2" "$tmp"

if ! grep -qE "$PATTERN" "$tmp"; then
	exit 0
fi
n=$(grep -cE "$PATTERN" "$tmp")
echo "kernel log has $n suspicious line(s) ($LOG), while:"
# Which test was running (the guest logs "kwish-init: run NAME as WHO").
awk -v pat="$PATTERN" '
	/kwish-init: (run|insmod|rmmod)/ { sub(/.*kwish-init: /, ""); cur = $0 }
	$0 ~ pat && !seen[cur]++ { print "    - " (cur == "" ? "booting" : cur) }
' "$tmp"
# Context: the 5 lines before (which test was running: "kwish-init: run
# ..." lines) and 30 after, at most 200 lines in all.
grep -nE -B 5 -A 30 "$PATTERN" "$tmp" | head -n 200 | sed 's/^/    /'
exit 1
