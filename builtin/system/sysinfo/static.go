package sysinfo

import (
	"context"
	"math"
	"os"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
)

// Where the zone database and the OS description live on Linux; both are
// plain files, read once, and their absence only leaves defaults.
const (
	localtimePath    = "/etc/localtime"
	zoneinfoMarker   = "zoneinfo/"
	osReleasePath    = "/etc/os-release"
	defaultZoneName  = "Etc/UTC"
	megahertzPerGiga = 1000.0
)

// buildSystem reads the static system facts. ok is false when gopsutil
// failed, so the caller retries next time instead of caching zeros.
func (c *Collector) buildSystem(ctx context.Context) (sys System, ok bool) {
	ok = true
	platform, _, version, err := c.src.platform(ctx)
	if err != nil {
		ok = false
	}
	kernel, err := c.src.kernel(ctx)
	if err != nil {
		ok = false
	}
	hostname, err := os.Hostname()
	if err != nil {
		ok = false
	}
	rel := c.src.osRelease()
	sys = System{
		Platform:  runtime.GOOS,
		Distro:    firstNonEmpty(rel["NAME"], platform),
		Release:   firstNonEmpty(rel["VERSION"], rel["VERSION_ID"], version),
		Codename:  rel["VERSION_CODENAME"],
		Kernel:    kernel,
		Arch:      runtime.GOARCH,
		Hostname:  hostname,
		GoVersion: runtime.Version(),
	}
	return sys, ok
}

// readOSRelease reads os-release(5); a missing file gives an empty map.
func readOSRelease() map[string]string {
	data, err := os.ReadFile(osReleasePath)
	if err != nil {
		return map[string]string{}
	}
	return parseOSRelease(string(data))
}

// parseOSRelease parses KEY=value lines, unquoting values; comments and
// odd lines are skipped.
func parseOSRelease(data string) map[string]string {
	out := map[string]string{}
	for _, line := range strings.Split(data, "\n") {
		key, value, found := strings.Cut(strings.TrimSpace(line), "=")
		if !found || strings.HasPrefix(key, "#") {
			continue
		}
		if unq, err := strconv.Unquote(value); err == nil {
			value = unq
		} else {
			value = strings.Trim(value, `"'`)
		}
		out[key] = value
	}
	return out
}

// timezoneName returns the IANA zone: $TZ, else the /etc/localtime link
// target, else defaultZoneName.
func timezoneName() string {
	if tz, set := os.LookupEnv("TZ"); set {
		tz = strings.TrimPrefix(tz, ":")
		if i := strings.Index(tz, zoneinfoMarker); i >= 0 {
			tz = tz[i+len(zoneinfoMarker):]
		}
		if tz == "" {
			return defaultZoneName
		}
		return tz
	}
	if target, err := os.Readlink(localtimePath); err == nil {
		if i := strings.Index(target, zoneinfoMarker); i >= 0 {
			return target[i+len(zoneinfoMarker):]
		}
	}
	return defaultZoneName
}

// ghzInModel finds the rated speed in a model name like "... @ 2.20GHz".
var ghzInModel = regexp.MustCompile(`@\s*([0-9.]+)\s*GHz`)

// vendorNames maps CPUID vendor strings to the manufacturer HarperDB shows.
var vendorNames = map[string]string{
	"GenuineIntel": "Intel",
	"AuthenticAMD": "AMD",
	"HygonGenuine": "Hygon",
	"CentaurHauls": "VIA",
}

// brandNoise is removed from a model name to get the brand.
var brandNoise = []string{"(R)", "(r)", "(TM)", "(tm)", "CPU", "Processor"}

// buildCPU reads the static CPU facts; CurrentLoad is left for the sampler.
func (c *Collector) buildCPU(ctx context.Context) (out CPU, ok bool) {
	infos, errInfo := c.src.cpuInfo(ctx)
	logical, errLogical := c.src.cpuCounts(ctx, true)
	physical, errPhysical := c.src.cpuCounts(ctx, false)
	ok = errInfo == nil && errLogical == nil && errPhysical == nil
	out = CPU{Cores: logical, PhysicalCores: physical, CPUSpeed: CPUSpeed{Cores: []float64{}}}
	if len(infos) == 0 {
		return out, ok
	}
	first := infos[0]
	out.Vendor = first.VendorID
	out.Manufacturer = firstNonEmpty(vendorNames[first.VendorID], first.VendorID)
	out.Brand = cpuBrand(first.ModelName, out.Manufacturer)
	out.Flags = strings.Join(first.Flags, " ")
	out.Virtualization = slices.Contains(first.Flags, "vmx") || slices.Contains(first.Flags, "svm")
	sockets := map[string]bool{}
	var sum float64
	for i, info := range infos {
		sockets[info.PhysicalID] = true
		ghz := round2(info.Mhz / megahertzPerGiga)
		out.CPUSpeed.Cores = append(out.CPUSpeed.Cores, ghz)
		sum += ghz
		if i == 0 || ghz < out.CPUSpeed.Min {
			out.CPUSpeed.Min = ghz
		}
		if ghz > out.CPUSpeed.Max {
			out.CPUSpeed.Max = ghz
		}
	}
	out.CPUSpeed.Avg = round2(sum / float64(len(infos)))
	out.Processors = len(sockets)
	out.SpeedMin, out.SpeedMax = out.CPUSpeed.Min, out.CPUSpeed.Max
	out.Speed = out.CPUSpeed.Avg
	if m := ghzInModel.FindStringSubmatch(first.ModelName); m != nil {
		if rated, err := strconv.ParseFloat(m[1], 64); err == nil {
			out.Speed = rated
		}
	}
	return out, ok
}

// cpuBrand strips the manufacturer, trademarks and the rated speed from a
// model name: "Intel(R) Xeon(R) CPU @ 2.20GHz" -> "Xeon".
func cpuBrand(model, manufacturer string) string {
	if i := strings.Index(model, "@"); i >= 0 {
		model = model[:i]
	}
	for _, noise := range brandNoise {
		model = strings.ReplaceAll(model, noise, " ")
	}
	model = strings.TrimSpace(model)
	if manufacturer != "" {
		model = strings.TrimSpace(strings.TrimPrefix(model, manufacturer))
	}
	return strings.Join(strings.Fields(model), " ")
}

// firstNonEmpty returns the first non-empty string, or "".
func firstNonEmpty(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}

// round2 rounds to two decimals, the precision HarperDB reports.
func round2(v float64) float64 {
	const hundred = 100 // two decimal places
	return math.Round(v*hundred) / hundred
}
