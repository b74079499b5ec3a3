// Package faults holds the fault tests of the service: under concurrent load
// of random valid actions they kill the service, restart PostgreSQL and take
// the database away for a while, then check that every acknowledged action
// is in the audit log exactly once, that nothing is half-applied, that every
// audit chain verifies, and that the service answered 503 while the database
// was away and recovered by itself.
//
// The tests run only with FAULTS=1 (make test-faults, scripts/test-faults.sh)
// because they start a throwaway PostgreSQL cluster of their own with the
// machine's initdb and pg_ctl, build the disputes binary and run for a while.
// FAULTS_DURATION sets how long the load runs in each scenario (default 45s,
// at least 15s); FAULTS_SEED repeats a run's choice of actions. Without
// initdb the tests are skipped, except under CI=true, where that fails. The
// checks themselves are also tested without FAULTS=1, on synthetic damage.
// The package has no non-test code.
package faults
