#!/usr/bin/env python3
"""Writes the Kubernetes objects of a Calico cluster of NODES nodes with BLOCKS_PER_NODE /26 blocks
each (crd.projectcalico.org/v1 IPPool and BlockAffinity, core/v1 Node with Calico's annotations and
a realistic status with an image list), and the ip/bridge batch files that program one node (the
first, LOCAL_NAME, whose underlay address is 10.0.0.10 as bench_vxlan_node in Scripts/bench-common.sh
builds it) exactly as Felix would for all the others. Prints this node's tunnel address. Used by
Scripts/bench-cluster.sh."""
import ipaddress, json, sys

out, local_name, nodes, per_node = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
pool = ipaddress.ip_network("100.64.0.0/10")
blocks = pool.subnets(new_prefix=26)

def node_ip(i):
    """The local node has 10.0.0.10; the others start at 10.0.0.21, clear of it and of the underlay's 10.0.0.1."""
    if i == 0:
        return "10.0.0.10"
    i += 20
    return "10.%d.%d.%d" % (i // 62500, (i // 250) % 250, i % 250 + 1)

def mac(i):
    return "66:%02x:%02x:%02x:%02x:01" % ((i >> 24) & 255, (i >> 16) & 255, (i >> 8) & 255, i & 255)

objects = {"nodes": [], "blockaffinities": [], "ippools": [{
    "apiVersion": "crd.projectcalico.org/v1", "kind": "IPPool", "metadata": {"name": "default-ipv4-ippool"},
    "spec": {"cidr": str(pool), "blockSize": 26, "vxlanMode": "Always", "ipipMode": "Never", "natOutgoing": True,
             "nodeSelector": "all()"}}]}
routes, neighbours, fdb = [], [], []
for i in range(nodes):
    name = local_name if i == 0 else "ip-%s" % node_ip(i).replace(".", "-")
    own = [next(blocks) for _ in range(per_node)]
    tunnel = str(own[0].network_address)
    objects["nodes"].append({
        "apiVersion": "v1", "kind": "Node",
        "metadata": {"name": name, "uid": "%08x-0000-4000-8000-%012x" % (i, i), "resourceVersion": "1",
                     "labels": {"kubernetes.io/hostname": name, "kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64",
                                "node.kubernetes.io/instance-type": "m5.large", "topology.kubernetes.io/zone": "eu-west-1a"},
                     "annotations": {"projectcalico.org/IPv4Address": node_ip(i) + "/16",
                                     "projectcalico.org/IPv4VXLANTunnelAddr": tunnel,
                                     "projectcalico.org/VXLANTunnelMACAddr": mac(i),
                                     "node.alpha.kubernetes.io/ttl": "0",
                                     "volumes.kubernetes.io/controller-managed-attach-detach": "true"}},
        "spec": {"podCIDR": "10.244.%d.0/24" % (i % 256), "podCIDRs": ["10.244.%d.0/24" % (i % 256)],
                 "providerID": "aws:///eu-west-1a/i-%017x" % i},
        "status": {
            "addresses": [{"type": "InternalIP", "address": node_ip(i)}, {"type": "Hostname", "address": name}],
            "capacity": {"cpu": "2", "memory": "7934440Ki", "pods": "110", "ephemeral-storage": "20959212Ki"},
            "allocatable": {"cpu": "1930m", "memory": "7244264Ki", "pods": "110", "ephemeral-storage": "18242267924"},
            "conditions": [{"type": t, "status": "False", "reason": "Kubelet" + t, "message": "kubelet is fine",
                            "lastHeartbeatTime": "2026-11-29T20:00:00Z", "lastTransitionTime": "2026-11-01T00:00:00Z"}
                           for t in ("MemoryPressure", "DiskPressure", "PIDPressure")],
            "images": [{"names": ["registry.example/app-%d@sha256:%064x" % (j, i * 100 + j), "registry.example/app-%d:v1" % j],
                        "sizeBytes": 10000000 + j} for j in range(12)],
            "nodeInfo": {"kubeletVersion": "v1.31.2", "containerRuntimeVersion": "containerd://1.7.22",
                         "kernelVersion": "6.1.0", "osImage": "Debian GNU/Linux 12", "architecture": "amd64",
                         "operatingSystem": "linux", "machineID": "%032x" % i, "systemUUID": "%032x" % i,
                         "bootID": "%032x" % i}}})
    for block in own:
        objects["blockaffinities"].append({
            "apiVersion": "crd.projectcalico.org/v1", "kind": "BlockAffinity",
            "metadata": {"name": "%s-%s" % (name, str(block).replace(".", "-").replace("/", "-"))},
            "spec": {"cidr": str(block), "node": name, "state": "confirmed", "deleted": "false", "type": "host"}})
        if i == 0:
            routes.append("route add blackhole %s proto 80" % block)
        else:
            routes.append("route add %s via %s dev vxlan.calico onlink proto 80" % (block, tunnel))
    if i == 0:
        local_tunnel = tunnel
    else:
        neighbours.append("neigh add %s lladdr %s dev vxlan.calico nud permanent" % (tunnel, mac(i)))
        fdb.append("fdb add %s dev vxlan.calico dst %s self permanent" % (mac(i), node_ip(i)))

json.dump(objects, open(out + "/objects.json", "w"))
open(out + "/ip.batch", "w").write("\n".join(routes + neighbours) + "\n")
open(out + "/bridge.batch", "w").write("\n".join(fdb) + "\n")
print(local_tunnel)
