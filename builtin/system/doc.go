// Package system is the builtin `system` family: the operations about the
// machine and the instance that a family process can answer.
//
//   - system_information (ops_sysinfo.go): host facts gathered by package
//     sysinfo (gopsutil), plus host-only facts (the host process, the family
//     processes, request metrics) fetched from the host with the
//     `host_information` operation and table sizes fetched from the records
//     family with `table_sizes`. Both contracts are documented on
//     HostInformation and TableSize.
//   - install_node_modules (ops_modules.go): runs `npm install` in project
//     folders under the components root. Deprecated in HarperDB and kept
//     for clients that still send it.
//
// Where to start: system.go holds the operation table, the family's config
// section (Settings) and its lifecycle: Configure starts the one
// sysinfo.Collector the family keeps for its whole life, Shutdown stops it.
//
// What is NOT here: get_configuration, set_configuration, restart and
// restart_service. The host owns the config file and the listening sockets,
// so those are host-local operations; a family process could neither edit
// the file safely nor hand sockets to a new host image.
//
// Libraries: nothing beyond the standard library and the SDK here;
// gopsutil is used through package sysinfo, npm through os/exec (there is
// no Go library that installs npm packages, and the deprecated operation
// must behave as npm does).
package system
