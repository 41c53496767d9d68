// Package sysops serves the host-local system operations, those that act
// on the running instance itself rather than on data: get_configuration,
// set_configuration, restart, restart_service and host_information.
//
// Ops reaches the instance only through the small interfaces in Options
// (the config, the job store, the family supervisor, the instance's own
// restart and HTTP roll), so each operation is tested against fakes; host/app
// wires in the real ones and registers Ops.Operations with the router.
package sysops
