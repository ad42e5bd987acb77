package catalog

// Label keys Karpenter's AWS provider (v1) puts on its instance types. They are spelled out here
// because this module does not depend on karpenter-provider-aws; node selectors written for
// real Karpenter must match them verbatim.
const (
	labelDomain = "karpenter.k8s.aws"

	LabelInstanceCategory                = labelDomain + "/instance-category"
	LabelInstanceFamily                  = labelDomain + "/instance-family"
	LabelInstanceGeneration              = labelDomain + "/instance-generation"
	LabelInstanceSize                    = labelDomain + "/instance-size"
	LabelInstanceCPU                     = labelDomain + "/instance-cpu"
	LabelInstanceCPUManufacturer         = labelDomain + "/instance-cpu-manufacturer"
	LabelInstanceMemory                  = labelDomain + "/instance-memory"
	LabelInstanceHypervisor              = labelDomain + "/instance-hypervisor"
	LabelInstanceNetworkBandwidth        = labelDomain + "/instance-network-bandwidth"
	LabelInstanceLocalNVME               = labelDomain + "/instance-local-nvme"
	LabelInstanceGPUName                 = labelDomain + "/instance-gpu-name"
	LabelInstanceGPUManufacturer         = labelDomain + "/instance-gpu-manufacturer"
	LabelInstanceGPUCount                = labelDomain + "/instance-gpu-count"
	LabelInstanceGPUMemory               = labelDomain + "/instance-gpu-memory"
	LabelInstanceAcceleratorName         = labelDomain + "/instance-accelerator-name"
	LabelInstanceAcceleratorManufacturer = labelDomain + "/instance-accelerator-manufacturer"
	LabelInstanceAcceleratorCount        = labelDomain + "/instance-accelerator-count"
)

// Extended resources the device plugins advertise, as Karpenter names them in capacity.
const (
	ResourceNVIDIAGPU   = "nvidia.com/gpu"
	ResourceAMDGPU      = "amd.com/gpu"
	ResourceHabanaGaudi = "habana.ai/gaudi"
	ResourceAWSNeuron   = "aws.amazon.com/neuron"
)
