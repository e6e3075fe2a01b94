#!/usr/bin/env python3
"""Syncthing beside Hearth in the replication benchmark.

Usage: syncthing_pair.py LIBRARY WORKDIR

Two Syncthing instances on loopback share one folder. The first holds
LIBRARY's files (copied in, then scanned to idle before the clock starts);
the clock then starts the second instance and stops when its REST API says it
has every file. Prints one line: "<seconds> <files> <bytes>".

Everything Syncthing would otherwise send off the machine is off: global and
local discovery, relays, NAT traversal, STUN, usage and crash reporting,
upgrade checks. Each instance listens on 127.0.0.1 only and knows the other
by a tcp://127.0.0.1 address; the GUI/REST listener is on 127.0.0.1 too.
"""
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request

TIMEOUT_S = 300


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def generate(home):
    out = subprocess.run(
        ["syncthing", "generate", f"--home={home}", "--no-default-folder", "--skip-port-probing"],
        check=True, capture_output=True, text=True)
    for line in (out.stdout + out.stderr).splitlines():
        if "Device ID:" in line:
            return line.split("Device ID:")[1].strip()
    raise RuntimeError("syncthing generate printed no device id")


def write_config(home, me, folder_path, devices, listen_port, gui_port, api_key, folder_type):
    device_xml = "".join(
        f'  <device id="{dev_id}" name="{name}" compression="never" introducer="false">\n'
        f"    <address>tcp://127.0.0.1:{port}</address>\n"
        f"    <autoAcceptFolders>false</autoAcceptFolders>\n"
        f"  </device>\n"
        for name, dev_id, port in devices)
    folder_devices = "".join(f'    <device id="{dev_id}"></device>\n' for _, dev_id, _ in devices)
    config = f"""<configuration version="36">
  <folder id="music" label="music" path="{folder_path}" type="{folder_type}" rescanIntervalS="3600" fsWatcherEnabled="false" ignorePerms="false" autoNormalize="true">
    <filesystemType>basic</filesystemType>
{folder_devices}    <minDiskFree unit="%">1</minDiskFree>
  </folder>
{device_xml}  <gui enabled="true" tls="false" debugging="false">
    <address>127.0.0.1:{gui_port}</address>
    <apikey>{api_key}</apikey>
  </gui>
  <options>
    <listenAddress>tcp://127.0.0.1:{listen_port}</listenAddress>
    <globalAnnounceServer></globalAnnounceServer>
    <globalAnnounceEnabled>false</globalAnnounceEnabled>
    <localAnnounceEnabled>false</localAnnounceEnabled>
    <relaysEnabled>false</relaysEnabled>
    <natEnabled>false</natEnabled>
    <startBrowser>false</startBrowser>
    <urAccepted>-1</urAccepted>
    <autoUpgradeIntervalH>0</autoUpgradeIntervalH>
    <crashReportingEnabled>false</crashReportingEnabled>
    <stunKeepaliveStartS>0</stunKeepaliveStartS>
    <stunServer></stunServer>
    <setLowPriority>false</setLowPriority>
    <reconnectionIntervalS>1</reconnectionIntervalS>
    <announceLANAddresses>false</announceLANAddresses>
  </options>
</configuration>
"""
    with open(os.path.join(home, "config.xml"), "w") as f:
        f.write(config)
    del me


def start(home, log_path):
    env = dict(os.environ, STNODEFAULTFOLDER="1", STNOUPGRADE="1", STNORESTART="1", STMONITORED="1")
    log = open(log_path, "w")
    return subprocess.Popen(
        ["syncthing", "serve", f"--home={home}", "--no-browser", "--no-restart", "--no-upgrade"],
        env=env, stdout=log, stderr=subprocess.STDOUT)


def folder_status(gui_port, api_key):
    req = urllib.request.Request(f"http://127.0.0.1:{gui_port}/rest/db/status?folder=music",
                                 headers={"X-API-Key": api_key})
    try:
        with urllib.request.urlopen(req, timeout=2) as r:
            return json.load(r)
    except OSError:
        return None


def main():
    library, work = sys.argv[1], sys.argv[2]
    files = [f for f in sorted(os.listdir(library)) if not f.startswith(".")]
    total = sum(os.path.getsize(os.path.join(library, f)) for f in files)
    homes = {n: os.path.join(work, "st-" + n) for n in ("a", "b")}
    folders = {n: os.path.join(work, "st-" + n + "-music") for n in ("a", "b")}
    for n in ("a", "b"):
        os.makedirs(folders[n])
        os.makedirs(os.path.join(folders[n], ".stfolder"))
    for f in files:
        shutil.copy(os.path.join(library, f), os.path.join(folders["a"], f))
    ids = {n: generate(homes[n]) for n in ("a", "b")}
    ports = {n: free_port() for n in ("a", "b")}
    gui = {n: free_port() for n in ("a", "b")}
    key = "hearth-bench-key"
    devices = [(n, ids[n], ports[n]) for n in ("a", "b")]
    write_config(homes["a"], ids["a"], folders["a"], devices, ports["a"], gui["a"], key, "sendonly")
    write_config(homes["b"], ids["b"], folders["b"], devices, ports["b"], gui["b"], key, "receiveonly")

    procs = []
    try:
        procs.append(start(homes["a"], os.path.join(work, "st-a.log")))
        # The first instance scans (hashes) its files before the clock starts,
        # as Hearth's import happens before its clock starts.
        deadline = time.time() + TIMEOUT_S
        while time.time() < deadline:
            st = folder_status(gui["a"], key)
            if st and st.get("state") == "idle" and st.get("localFiles") == len(files):
                break
            time.sleep(0.05)
        else:
            raise RuntimeError("the first Syncthing instance never finished scanning; see st-a.log")
        # Each contender starts with the disk idle (see tools/bench/settle_disk).
        subprocess.run([os.path.join(os.path.dirname(os.path.abspath(__file__)), "settle_disk"),
                        os.environ.get("HEARTH_BENCH_SETTLE_SECONDS", "5")], check=True)
        t0 = time.time()
        procs.append(start(homes["b"], os.path.join(work, "st-b.log")))
        while time.time() - t0 < TIMEOUT_S:
            st = folder_status(gui["b"], key)
            if st and st.get("globalFiles") == len(files) and st.get("inSyncFiles") == len(files) \
                    and st.get("needFiles") == 0:
                break
            time.sleep(0.05)
        else:
            raise RuntimeError("the second Syncthing instance never got in sync; see st-b.log")
        elapsed = time.time() - t0
        got = sum(os.path.getsize(os.path.join(folders["b"], f)) for f in files)
        if got != total:
            raise RuntimeError(f"in sync, but holds {got} of {total} bytes")
        print(f"{elapsed:.3f} {len(files)} {total}")
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()


if __name__ == "__main__":
    main()
