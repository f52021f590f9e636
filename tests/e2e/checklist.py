"""Runs a list of named checks the way the test drivers report them.

A check is (name, function, [names of earlier checks it needs]). Each prints "ok NAME (note)"
or "FAIL NAME: reason"; a check whose prerequisite failed fails as "not run". Exceptions of the
`expected` types are failures of the thing tested; any other exception is reported with its
type (a bug in the driver or an unexpected tool output).
"""


def run(checks, expected, label):
    """Returns the process exit code after printing "LABEL: N passed, M failed"."""
    failed, passed = set(), 0
    for name, check, needs in checks:
        blocked = [n for n in needs if n in failed]
        try:
            if blocked:
                print(f"FAIL {name}: not run: needs " + ", ".join(blocked), flush=True)
                failed.add(name)
                continue
            note = check()
            print(f"ok {name}" + (f" ({note})" if note else ""), flush=True)
            passed += 1
        except expected as e:
            print(f"FAIL {name}: {e}", flush=True)
            failed.add(name)
        except Exception as e:  # noqa: BLE001 (reported, never swallowed)
            print(f"FAIL {name}: {type(e).__name__}: {e}", flush=True)
            failed.add(name)
    print(f"{label}: {passed} passed, {len(failed)} failed")
    return 1 if failed else 0
