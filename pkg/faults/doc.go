// Package faults holds the fault tests of the service: under concurrent load
// of random valid actions they kill the service, restart PostgreSQL and take
// the database away for a while, then check that every acknowledged action
// is in the audit log exactly once, that nothing is half-applied, that every
// audit chain verifies, and that the service answered 503 while the database
// was away and recovered by itself.
//
// The scenario three-instances runs three `disputes serve` on one database,
// each with its workers, the load spread over them round-robin, a webhook of
// every event for each seller (an HTTP receiver in the test) and deadlines of
// seconds, so that the instances' deadline workers fire some. One instance is
// killed with SIGKILL and started again, then PostgreSQL restarts. Besides
// the checks above, every event of each seller's feed (GET /v1/events) must
// reach the seller's webhook within a bounded wait after the load stops, no
// delivery attempt may be sent twice, and no delivery be on the wire twice at
// once; deliveries repeated after a fault are allowed and counted.
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
