// crictl stand-in for the edgeworker provisioning lab.
//
// cri-tools is not packaged by Debian and no Go module proxy is reachable here, so the lab builds
// this small client inside the Kubernetes v1.20.2 tree (GOPATH mode, vendored dependencies) on
// the kubelet's own CRI client (k8s.io/kubernetes/pkg/kubelet/cri/remote, CRI v1alpha2).  It
// implements the crictl subcommands that the playbook and kubeadm 1.20 run, with crictl's
// flags, config file and exit codes:
//
//	crictl [-r|--runtime-endpoint E] [-i|--image-endpoint E] [-c|--config F] [-t|--timeout D] CMD
//	  version              runtime name/version (crictl's output format)
//	  info                 runtime status as JSON (kubeadm's preflight: crictl -r SOCK info)
//	  pull IMAGE           pull through the CRI with no auth: containerd's CRI plugin uses the
//	                       registry credentials in its own config (none on this command line)
//	  inspecti [-q] IMAGE  image status as JSON; exit 1 when the image is absent
//	  images [-q] [IMAGE]  list images (IDs only with -q)
//	  pods -q              pod sandbox IDs (kubeadm reset)
//	  stopp ID... / rmp ID...  stop / remove pod sandboxes (kubeadm reset)
//
// The endpoint comes from the flag, else runtime-endpoint/image-endpoint in the config file
// (CRI_CONFIG_FILE or /etc/crictl.yaml), else containerd's socket.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	internalapi "k8s.io/cri-api/pkg/apis"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1alpha2"
	"k8s.io/kubernetes/pkg/kubelet/cri/remote"
)

const (
	standInVersion  = "v1.20.0-edgelab"
	defaultEndpoint = "unix:///run/containerd/containerd.sock"
	defaultConfig   = "/etc/crictl.yaml"
	usage           = "usage: crictl [-r ENDPOINT] [-i ENDPOINT] [-c CONFIG] [-t TIMEOUT] " +
		"version|info|pull|inspecti|images|pods|stopp|rmp [ARGS]"
)

type settings struct {
	runtimeEndpoint, imageEndpoint string
	timeout                        time.Duration
}

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "crictl: "+format+"\n", args...)
	os.Exit(1)
}

// readConfig reads the crictl.yaml keys this stand-in understands (flat "key: value" lines).
func readConfig(path string, explicit bool) map[string]string {
	values := map[string]string{}
	file, err := os.Open(path)
	if err != nil {
		if explicit || !os.IsNotExist(err) {
			fail("cannot read config %s: %v", path, err)
		}
		return values
	}
	defer file.Close()
	scanner := bufio.NewScanner(file)
	for scanner.Scan() {
		line := strings.TrimSpace(scanner.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		parts := strings.SplitN(line, ":", 2)
		if len(parts) != 2 {
			fail("config %s: not a 'key: value' line: %q", path, line)
		}
		values[strings.TrimSpace(parts[0])] = strings.Trim(strings.TrimSpace(parts[1]), `"'`)
	}
	return values
}

func parseTimeout(text string) time.Duration {
	if d, err := time.ParseDuration(text); err == nil {
		return d
	}
	var seconds int
	if _, err := fmt.Sscanf(text, "%d", &seconds); err == nil && seconds > 0 {
		return time.Duration(seconds) * time.Second
	}
	fail("invalid timeout %q", text)
	return 0
}

// parseGlobal consumes the global flags and returns the settings and the rest of the arguments.
func parseGlobal(args []string) (settings, []string) {
	flags := map[string]string{}
	names := map[string]string{
		"-r": "runtime-endpoint", "--runtime-endpoint": "runtime-endpoint",
		"-i": "image-endpoint", "--image-endpoint": "image-endpoint",
		"-c": "config", "--config": "config",
		"-t": "timeout", "--timeout": "timeout",
	}
	for len(args) > 0 && strings.HasPrefix(args[0], "-") {
		arg := args[0]
		if arg == "--version" || arg == "-v" {
			fmt.Printf("crictl version %s\n", standInVersion)
			os.Exit(0)
		}
		if arg == "-D" || arg == "--debug" {
			args = args[1:]
			continue
		}
		name, value := arg, ""
		if eq := strings.Index(arg, "="); eq > 0 {
			name, value = arg[:eq], arg[eq+1:]
		}
		key, ok := names[name]
		if !ok {
			fail("unknown flag %s\n%s", arg, usage)
		}
		if value == "" {
			if len(args) < 2 {
				fail("flag %s needs a value", arg)
			}
			value, args = args[1], args[1:]
		}
		flags[key] = value
		args = args[1:]
	}
	configPath, explicit := defaultConfig, false
	if env := os.Getenv("CRI_CONFIG_FILE"); env != "" {
		configPath, explicit = env, true
	}
	if flag, ok := flags["config"]; ok {
		configPath, explicit = flag, true
	}
	config := readConfig(configPath, explicit)
	pick := func(key, fallback string) string {
		if v, ok := flags[key]; ok {
			return v
		}
		if v, ok := config[key]; ok && v != "" {
			return v
		}
		return fallback
	}
	s := settings{runtimeEndpoint: pick("runtime-endpoint", defaultEndpoint)}
	s.imageEndpoint = pick("image-endpoint", s.runtimeEndpoint)
	s.timeout = parseTimeout(pick("timeout", "10"))
	if !strings.Contains(s.runtimeEndpoint, "://") {
		s.runtimeEndpoint = "unix://" + s.runtimeEndpoint
	}
	if !strings.Contains(s.imageEndpoint, "://") {
		s.imageEndpoint = "unix://" + s.imageEndpoint
	}
	return s, args
}

// splitQuiet removes -q/--quiet from args; any other flag is refused.
func splitQuiet(args []string) (bool, []string) {
	quiet, rest := false, []string{}
	for _, arg := range args {
		switch {
		case arg == "-q" || arg == "--quiet":
			quiet = true
		case strings.HasPrefix(arg, "-"):
			fail("unknown flag %s (this lab stand-in knows only -q/--quiet here)", arg)
		default:
			rest = append(rest, arg)
		}
	}
	return quiet, rest
}

func runtimeService(s settings) internalapi.RuntimeService {
	service, err := remote.NewRemoteRuntimeService(s.runtimeEndpoint, s.timeout)
	if err != nil {
		fail("connect: %s: %v", s.runtimeEndpoint, err)
	}
	return service
}

func imageService(s settings) internalapi.ImageManagerService {
	service, err := remote.NewRemoteImageService(s.imageEndpoint, s.timeout)
	if err != nil {
		fail("connect: %s: %v", s.imageEndpoint, err)
	}
	return service
}

func printJSON(value interface{}) {
	out, err := json.MarshalIndent(value, "", "  ")
	if err != nil {
		fail("encode: %v", err)
	}
	fmt.Println(string(out))
}

func version(s settings) {
	v, err := runtimeService(s).Version("v1alpha2")
	if err != nil {
		fail("getting the runtime version: %v", err)
	}
	fmt.Printf("Version:  %s\nRuntimeName:  %s\nRuntimeVersion:  %s\nRuntimeApiVersion:  %s\n",
		v.Version, v.RuntimeName, v.RuntimeVersion, v.RuntimeApiVersion)
}

func info(s settings) {
	status, err := runtimeService(s).Status()
	if err != nil {
		fail("getting the status of the runtime: %v", err)
	}
	printJSON(map[string]interface{}{"status": status})
}

func pull(s settings, args []string) {
	if len(args) != 1 || strings.HasPrefix(args[0], "-") {
		fail("pull takes exactly one IMAGE and no flags (no credentials on a command line: " +
			"containerd's CRI plugin uses its configured registry credentials)")
	}
	ref, err := imageService(s).PullImage(&runtimeapi.ImageSpec{Image: args[0]}, nil, nil)
	if err != nil {
		fail("pulling image %q: %v", args[0], err)
	}
	fmt.Printf("Image is up to date for %s\n", ref)
}

func inspecti(s settings, args []string) {
	_, images := splitQuiet(args)
	if len(images) == 0 {
		fail("inspecti needs an IMAGE")
	}
	service := imageService(s)
	for _, name := range images {
		status, err := service.ImageStatus(&runtimeapi.ImageSpec{Image: name})
		if err != nil {
			fail("image status for %q request: %v", name, err)
		}
		if status == nil {
			fail("no such image %q present", name)
		}
		printJSON(map[string]interface{}{"status": status})
	}
}

func images(s settings, args []string) {
	quiet, names := splitQuiet(args)
	var filter *runtimeapi.ImageFilter
	if len(names) > 1 {
		fail("images takes at most one IMAGE")
	}
	if len(names) == 1 {
		filter = &runtimeapi.ImageFilter{Image: &runtimeapi.ImageSpec{Image: names[0]}}
	}
	list, err := imageService(s).ListImages(filter)
	if err != nil {
		fail("listing images: %v", err)
	}
	if quiet {
		for _, image := range list {
			fmt.Println(image.Id)
		}
		return
	}
	table := tabwriter.NewWriter(os.Stdout, 0, 8, 3, ' ', 0)
	fmt.Fprintln(table, "IMAGE\tTAG\tIMAGE ID\tSIZE")
	for _, image := range list {
		id := strings.TrimPrefix(image.Id, "sha256:")
		if len(id) > 13 {
			id = id[:13]
		}
		for _, tagged := range image.RepoTags {
			cut := strings.LastIndex(tagged, ":")
			fmt.Fprintf(table, "%s\t%s\t%s\t%d\n", tagged[:cut], tagged[cut+1:], id, image.Size_)
		}
	}
	table.Flush()
}

func pods(s settings, args []string) {
	quiet, rest := splitQuiet(args)
	if !quiet || len(rest) > 0 {
		fail("this lab stand-in lists pods only as 'pods -q'")
	}
	list, err := runtimeService(s).ListPodSandbox(nil)
	if err != nil {
		fail("listing pod sandboxes: %v", err)
	}
	for _, pod := range list {
		fmt.Println(pod.Id)
	}
}

func sandboxes(s settings, args []string, stop bool) {
	if len(args) == 0 {
		fail("needs at least one pod sandbox ID")
	}
	service := runtimeService(s)
	for _, id := range args {
		var err error
		if stop {
			err = service.StopPodSandbox(id)
		} else {
			err = service.RemovePodSandbox(id)
		}
		if err != nil {
			fail("pod sandbox %q: %v", id, err)
		}
		if stop {
			fmt.Printf("Stopped sandbox %s\n", id)
		} else {
			fmt.Printf("Removed sandbox %s\n", id)
		}
	}
}

func main() {
	s, args := parseGlobal(os.Args[1:])
	if len(args) == 0 {
		fail(usage)
	}
	command, rest := args[0], args[1:]
	switch command {
	case "version":
		version(s)
	case "info":
		info(s)
	case "pull":
		pull(s, rest)
	case "inspecti":
		inspecti(s, rest)
	case "images", "image", "img":
		images(s, rest)
	case "pods":
		pods(s, rest)
	case "stopp":
		sandboxes(s, rest, true)
	case "rmp":
		sandboxes(s, rest, false)
	default:
		fail("unknown command %q (this lab stand-in implements: version, info, pull, "+
			"inspecti, images, pods, stopp, rmp)", command)
	}
}
