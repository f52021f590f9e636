"""A minimal test runner for the Python-driven tests: each test is a function that raises
AssertionError (or anything) on failure. Prints "ok NAME" / "FAIL NAME: why" per test and
the closing line "SUITE: N passed, M failed"; returns the process exit code."""
import traceback


def run(suite, tests):
    passed = failed = 0
    for t in tests:
        try:
            t()
            print(f"ok {t.__name__}", flush=True)
            passed += 1
        except Exception as e:  # a failing test, whatever it raised
            detail = str(e) or traceback.format_exc(limit=2)
            print(f"FAIL {t.__name__}: {detail}", flush=True)
            failed += 1
    print(f"{suite}: {passed} passed, {failed} failed")
    return 1 if failed else 0
