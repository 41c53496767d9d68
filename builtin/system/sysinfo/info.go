package sysinfo

// Info is the system_information reply. Fields are in HarperDB key order and
// only the requested sections are set; a nil field is omitted from JSON.
type Info struct {
	// System to HarperDBProcesses are read from the host by the collector.
	System *System `json:"system,omitempty"`
	Time   *Time   `json:"time,omitempty"`
	CPU    *CPU    `json:"cpu,omitempty"`
	Memory *Memory `json:"memory,omitempty"`
	// Disk is a *Disk, or EmptyDisk when Inputs.HideDisk.
	Disk any `json:"disk,omitempty"`
	// Network is a *Network, or EmptyNetwork when Inputs.HideNetwork.
	Network           any        `json:"network,omitempty"`
	HarperDBProcesses *Processes `json:"harperdb_processes,omitempty"`
	// TableSize is the caller's Inputs.TableSizes, [] when it gave none.
	TableSize *[]any `json:"table_size,omitempty"`
	// Metrics is the caller's Inputs.Metrics plus a "runtime" entry (see
	// RuntimeMetrics) unless the caller already supplied one.
	Metrics *map[string]any `json:"metrics,omitempty"`
	// Threads is the caller's Inputs.Threads, [] when it gave none; never
	// nil once requested.
	Threads any `json:"threads,omitempty"`
	// Replication is the caller's Inputs.Replication, [] when it gave none.
	Replication *[]any `json:"replication,omitempty"`
}

// System describes the host operating system and this build.
type System struct {
	Platform    string `json:"platform"` // GOOS-style name, e.g. "linux"
	Distro      string `json:"distro"`   // e.g. "Debian GNU/Linux"
	Release     string `json:"release"`  // e.g. "12 (bookworm)"
	Codename    string `json:"codename"` // e.g. "bookworm", "" if unknown
	Kernel      string `json:"kernel"`
	Arch        string `json:"arch"` // runtime.GOARCH, like Node's os.arch()
	Hostname    string `json:"hostname"`
	GoVersion   string `json:"go_version"`
	HopsVersion string `json:"hops_version"`
}

// Time is the clock, the host process uptime and the time zone.
type Time struct {
	Current      int64   `json:"current"`      // epoch milliseconds
	Uptime       float64 `json:"uptime"`       // seconds since the host process started
	Timezone     string  `json:"timezone"`     // "UTC+0000" style offset
	TimezoneName string  `json:"timezoneName"` // IANA name, "Etc/UTC" by default
}

// CPU is the processor model (cached) and its current load (sampled).
// Speeds are in GHz, as in HarperDB.
type CPU struct {
	Manufacturer   string   `json:"manufacturer"`
	Brand          string   `json:"brand"`
	Vendor         string   `json:"vendor"`
	Speed          float64  `json:"speed"`
	SpeedMin       float64  `json:"speedMin"`
	SpeedMax       float64  `json:"speedMax"`
	Cores          int      `json:"cores"`         // logical CPUs
	PhysicalCores  int      `json:"physicalCores"` // physical cores
	Processors     int      `json:"processors"`    // sockets
	Flags          string   `json:"flags"`         // space separated
	Virtualization bool     `json:"virtualization"`
	CPUSpeed       CPUSpeed `json:"cpu_speed"`
	CurrentLoad    Load     `json:"current_load"`
}

// CPUSpeed is the per-core speed summary in GHz.
type CPUSpeed struct {
	Min   float64   `json:"min"`
	Max   float64   `json:"max"`
	Avg   float64   `json:"avg"`
	Cores []float64 `json:"cores"`
}

// Load is the CPU load over the last sampling interval (since boot until
// the first interval has passed). Load fields are percentages; raw fields
// are CPU milliseconds spent in that state during the interval.
type Load struct {
	AvgLoad              float64    `json:"avgLoad"` // 1-minute load average per logical CPU
	CurrentLoad          float64    `json:"currentLoad"`
	CurrentLoadUser      float64    `json:"currentLoadUser"`
	CurrentLoadSystem    float64    `json:"currentLoadSystem"`
	CurrentLoadNice      float64    `json:"currentLoadNice"`
	CurrentLoadIdle      float64    `json:"currentLoadIdle"`
	CurrentLoadIrq       float64    `json:"currentLoadIrq"`
	CurrentLoadSteal     float64    `json:"currentLoadSteal"`
	CurrentLoadGuest     float64    `json:"currentLoadGuest"`
	RawCurrentLoad       float64    `json:"rawCurrentLoad"`
	RawCurrentLoadUser   float64    `json:"rawCurrentLoadUser"`
	RawCurrentLoadSystem float64    `json:"rawCurrentLoadSystem"`
	RawCurrentLoadNice   float64    `json:"rawCurrentLoadNice"`
	RawCurrentLoadIdle   float64    `json:"rawCurrentLoadIdle"`
	RawCurrentLoadIrq    float64    `json:"rawCurrentLoadIrq"`
	RawCurrentLoadSteal  float64    `json:"rawCurrentLoadSteal"`
	RawCurrentLoadGuest  float64    `json:"rawCurrentLoadGuest"`
	CPUs                 []CoreLoad `json:"cpus"`
}

// CoreLoad is one logical CPU's share of Load.
type CoreLoad struct {
	Load          float64 `json:"load"`
	LoadUser      float64 `json:"loadUser"`
	LoadSystem    float64 `json:"loadSystem"`
	LoadNice      float64 `json:"loadNice"`
	LoadIdle      float64 `json:"loadIdle"`
	LoadIrq       float64 `json:"loadIrq"`
	LoadSteal     float64 `json:"loadSteal"`
	LoadGuest     float64 `json:"loadGuest"`
	RawLoad       float64 `json:"rawLoad"`
	RawLoadUser   float64 `json:"rawLoadUser"`
	RawLoadSystem float64 `json:"rawLoadSystem"`
	RawLoadNice   float64 `json:"rawLoadNice"`
	RawLoadIdle   float64 `json:"rawLoadIdle"`
	RawLoadIrq    float64 `json:"rawLoadIrq"`
	RawLoadSteal  float64 `json:"rawLoadSteal"`
	RawLoadGuest  float64 `json:"rawLoadGuest"`
}

// Memory is host memory in bytes (systeminformation semantics: used =
// total - free, active = total - available) merged with this process's
// memory in the shape of Node's process.memoryUsage().
type Memory struct {
	Total        uint64 `json:"total"`
	Free         uint64 `json:"free"`
	Used         uint64 `json:"used"`
	Active       uint64 `json:"active"`
	Available    uint64 `json:"available"`
	Reclaimable  uint64 `json:"reclaimable"`
	SwapTotal    uint64 `json:"swaptotal"`
	SwapUsed     uint64 `json:"swapused"`
	SwapFree     uint64 `json:"swapfree"`
	Writeback    uint64 `json:"writeback"`
	Dirty        uint64 `json:"dirty"`
	RSS          uint64 `json:"rss"`          // resident set of this process
	HeapTotal    uint64 `json:"heapTotal"`    // runtime.MemStats.HeapSys
	HeapUsed     uint64 `json:"heapUsed"`     // runtime.MemStats.HeapAlloc
	External     uint64 `json:"external"`     // always 0: no JS engine
	ArrayBuffers uint64 `json:"arrayBuffers"` // always 0: no JS engine
}

// Disk is block-device IO since boot and the usage of each real mount.
type Disk struct {
	IO        DiskIO      `json:"io"`
	ReadWrite DiskBytes   `json:"read_write"`
	Size      []MountSize `json:"size"`
}

// DiskIO counts IO operations on whole disks (partitions and device-mapper
// volumes are not counted twice). Per-second rates are null until two
// samples exist; MS is the milliseconds between those samples.
type DiskIO struct {
	RIO    uint64   `json:"rIO"`
	WIO    uint64   `json:"wIO"`
	TIO    uint64   `json:"tIO"`
	RIOSec *float64 `json:"rIO_sec"`
	WIOSec *float64 `json:"wIO_sec"`
	TIOSec *float64 `json:"tIO_sec"`
	MS     float64  `json:"ms"`
}

// DiskBytes counts bytes read and written on whole disks, like DiskIO.
type DiskBytes struct {
	RX    uint64   `json:"rx"`
	WX    uint64   `json:"wx"`
	TX    uint64   `json:"tx"`
	RXSec *float64 `json:"rx_sec"`
	WXSec *float64 `json:"wx_sec"`
	TXSec *float64 `json:"tx_sec"`
	MS    float64  `json:"ms"`
}

// MountSize is one mounted file system's usage in bytes.
type MountSize struct {
	FS        string  `json:"fs"`
	Type      string  `json:"type"`
	Size      uint64  `json:"size"`
	Used      uint64  `json:"used"`
	Available uint64  `json:"available"`
	Use       float64 `json:"use"` // percent used, as df reports it
	Mount     string  `json:"mount"`
	RW        bool    `json:"rw"`
}

// Network is the interface list (cached), per-interface counters and the
// number of inet connections of the host process.
type Network struct {
	DefaultInterface *string     `json:"default_interface"` // null when no default route
	Interfaces       []Interface `json:"interfaces"`
	Stats            []NetStats  `json:"stats"`
	Connections      int         `json:"connections"`
}

// Interface is one network interface as seen when the Collector started.
type Interface struct {
	Iface     string `json:"iface"`
	IfaceName string `json:"ifaceName"`
	Default   bool   `json:"default"`
	IP4       string `json:"ip4"`
	IP4Subnet string `json:"ip4subnet"`
	IP6       string `json:"ip6"`
	IP6Subnet string `json:"ip6subnet"`
	MAC       string `json:"mac"`
	Internal  bool   `json:"internal"` // loopback
	Operstate string `json:"operstate"`
	MTU       int    `json:"mtu"`
}

// NetStats is one interface's counters since boot; rates are null until two
// samples exist, MS is the milliseconds between them.
type NetStats struct {
	Iface     string   `json:"iface"`
	Operstate string   `json:"operstate"`
	RxBytes   uint64   `json:"rx_bytes"`
	RxDropped uint64   `json:"rx_dropped"`
	RxErrors  uint64   `json:"rx_errors"`
	TxBytes   uint64   `json:"tx_bytes"`
	TxDropped uint64   `json:"tx_dropped"`
	TxErrors  uint64   `json:"tx_errors"`
	RxSec     *float64 `json:"rx_sec"`
	TxSec     *float64 `json:"tx_sec"`
	MS        float64  `json:"ms"`
}

// Processes lists the host process (core) and the family processes
// (plugins). Clustering lists the clustering family's process while it
// runs the node's NATS server (it is also among the plugins).
type Processes struct {
	Core       []CoreProcess   `json:"core"`
	Clustering []any           `json:"clustering"`
	Plugins    []PluginProcess `json:"plugins"`
}

// CoreProcess describes the host process.
type CoreProcess struct {
	PID       int     `json:"pid"`
	ParentPID int     `json:"parentPid"`
	Name      string  `json:"name"`
	CPU       float64 `json:"cpu"`    // percent of one CPU since the last call
	Mem       float64 `json:"mem"`    // percent of host memory
	Memory    uint64  `json:"memory"` // resident bytes
	Uptime    float64 `json:"uptime"` // seconds
	Started   string  `json:"started"`
	State     string  `json:"state"`
	Command   string  `json:"command"`
	Params    string  `json:"params"`
	Path      string  `json:"path"`
}

// PluginProcess describes one operation family's process.
type PluginProcess struct {
	PID      int     `json:"pid"`
	Name     string  `json:"name"`
	CPU      float64 `json:"cpu"`    // percent of one CPU since the last call
	Mem      float64 `json:"mem"`    // percent of host memory
	Memory   uint64  `json:"memory"` // resident bytes
	Uptime   float64 `json:"uptime"` // seconds
	Started  string  `json:"started"`
	Restarts int     `json:"restarts"`
	State    string  `json:"state"` // the supervisor's word, e.g. "running"
}
