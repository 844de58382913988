# SPDX-License-Identifier: GPL-2.0
#
# tap-report.awk - count the results in a test VM's results.log.
#
#   awk -v kver=KVER [-v status="$(cat status)"] -f tap-report.awk results.log
#
# results.log holds one section per program run (see vm/init):
#   # kwish-run: NAME as WHO
#   ...TAP 13...
#   # kwish-exit: NAME as WHO rc=N
# and ends with "# kwish-end" when the guest finished normally.
#
# Counting:
#   ok N ...                    1 passed
#   ok/not ok N ... # SKIP ...  1 skipped  (also "# TODO" on a not ok)
#   not ok N ...                1 failed
#   Bail out!                   1 failed
#   per run, at most 1 more failure when the program timed out, exited
#   non-zero (other than 4, kselftest's "skipped"), printed no plan, or
#   printed a different number of results than its plan; a plan of
#   "1..0" with no results counts as 1 skipped
#   a run without its exit marker, or no "# kwish-end": 1 failed
#
# Output: for each failure "FAIL [KVER] NAME as WHO: what" followed by the
# lines the program printed just before (indented), then a last line
# "COUNTS passed failed skipped".  Carriage returns are ignored.

function reset_run() {
	plan = -1; nres = 0; rfail = 0; rskip_plan = 0
	nctx = 0
}

function fail(what,    i) {
	failed++; rfail++
	printf "FAIL [%s] %s as %s: %s\n", kver, name, who, what
	for (i = 1; i <= nctx; i++)
		printf "      | %s\n", ctx[i]
	nctx = 0
}

function remember(line,    i) {		# keep the last 20 non-result lines
	if (nctx == 20) {
		for (i = 1; i < 20; i++)
			ctx[i] = ctx[i + 1]
		nctx = 19
	}
	ctx[++nctx] = line
}

function end_run(rc, why) {
	if (why != "") {
		fail(why)
	} else if (rc == 124) {
		fail("timed out (killed after the per-test limit)")
	} else if (rc == 125) {
		fail("timed out and could not be killed (stuck in the kernel)")
	} else if (plan < 0 && rc == 4 && nres == 0) {
		skipped++			# kselftest: whole program skipped
	} else if (plan < 0) {
		fail("no TAP plan (1..N) printed, exit status " rc)
	} else if (nres != plan) {
		fail("plan 1.." plan " but " nres " results, exit status " rc)
	} else if (rc != 0 && rc != 4 && rfail == 0) {
		fail("exit status " rc)
	} else if (plan == 0 && nres == 0) {
		skipped++
	}
	inrun = 0
}

{ sub(/\r+$/, "") }

/^# kwish-run: / {
	if (inrun)
		end_run(0, "no exit marker (the guest crashed or was killed during this run)")
	s = substr($0, 14)
	i = index(s, " as ")
	name = substr(s, 1, i - 1); who = substr(s, i + 4)
	inrun = 1; runs++
	reset_run()
	next
}

/^# kwish-exit: / {
	if (!inrun)
		next
	rc = $0; sub(/.* rc=/, "", rc)
	end_run(rc + 0, "")
	next
}

/^# kwish-end/ { if (inrun) end_run(0, "no exit marker"); ended = 1; next }

!inrun { next }

/^1\.\.[0-9]+/ {
	p = $0; sub(/^1\.\./, "", p); sub(/[^0-9].*/, "", p)
	plan = p + 0
	next
}

/^(not )?ok([ \t]|$)/ {
	nres++
	directive = ""
	if (match($0, /#[ \t]*[Ss][Kk][Ii][Pp]/))
		directive = "skip"
	else if (match($0, /#[ \t]*[Tt][Oo][Dd][Oo]/))
		directive = "todo"
	if (directive == "skip" || (directive == "todo" && $1 == "not"))
		skipped++
	else if ($1 == "ok")
		passed++
	else
		fail($0)
	nctx = 0
	next
}

/^Bail out!/ { fail($0); next }

{ remember($0) }

END {
	if (inrun) {
		end_run(0, "no exit marker (the guest crashed or was killed during this run)")
	}
	if (!ended) {
		name = "guest"; who = "root"; nctx = 0
		if (status ~ /^timeout/)
			fail("hung: killed by the VM timeout (see console.log)")
		else
			fail("the guest did not reach the end of its run (crash or panic? see console.log)")
	}
	printf "COUNTS %d %d %d\n", passed, failed, skipped
}
