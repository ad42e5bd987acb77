package awstest

import "time"

// Region is the only region the server pretends to be.
const Region = "us-east-1"

// AccountID owns everything the server creates.
const AccountID = "123456789012"

// DefaultZones are the zones NewServer offers instance types in.
var DefaultZones = []string{"us-east-1a", "us-east-1b", "us-east-1c"}

// Capacity types, as EC2 spells them in CreateFleet and instance lifecycles.
const (
	CapacitySpot     = "spot"
	CapacityOnDemand = "on-demand"
)

// Fleet error codes CreateFleet reports for refused overrides.
const (
	ErrInsufficientInstanceCapacity = "InsufficientInstanceCapacity"
	ErrUnfulfillableCapacity        = "UnfulfillableCapacity"
	ErrMaxSpotInstanceCountExceeded = "MaxSpotInstanceCountExceeded"
)

// Instance states.
const (
	StatePending      = "pending"
	StateRunning      = "running"
	StateShuttingDown = "shutting-down"
	StateTerminated   = "terminated"
	StateStopping     = "stopping"
	StateStopped      = "stopped"
)

// Subnet is an EC2 subnet. Empty ID, VPCID or CIDR are filled in by AddSubnet.
type Subnet struct {
	ID                      string
	VPCID                   string
	Zone                    string
	ZoneID                  string
	CIDR                    string
	AvailableIPAddressCount int32
	Tags                    map[string]string
}

// SecurityGroup is an EC2 security group. An empty ID is filled in by AddSecurityGroup.
type SecurityGroup struct {
	ID          string
	Name        string
	Description string
	VPCID       string
	Tags        map[string]string
}

// Image is an AMI. Architecture is EC2's spelling: "x86_64" or "arm64". Empty ID, OwnerID,
// State and CreationDate are filled in by AddImage.
type Image struct {
	ID           string
	Name         string
	OwnerID      string
	Architecture string
	State        string
	CreationDate time.Time
	Tags         map[string]string
}

// InstanceType is what DescribeInstanceTypes says about one type. Architectures use EC2's
// spelling ("x86_64", "arm64").
type InstanceType struct {
	Name                string
	Architectures       []string
	VCPU                int32
	MemoryMiB           int64
	MaxENIs             int32
	IPv4PerENI          int32
	Hypervisor          string // "nitro", "xen" or "" for bare metal
	BareMetal           bool
	GPUName             string
	GPUManufacturer     string
	GPUCount            int32
	GPUMemoryMiB        int32
	LocalNVMeGiB        int64
	NetworkPerformance  string
	SupportedUsageClass []string // "on-demand", "spot"
}

// MetadataOptions are a launch template's instance metadata options, as given.
type MetadataOptions struct {
	HTTPEndpoint            string
	HTTPTokens              string
	HTTPProtocolIPv6        string
	HTTPPutResponseHopLimit int32
	InstanceMetadataTags    string
}

// BlockDevice is one block device mapping of a launch template.
type BlockDevice struct {
	DeviceName          string
	VolumeSizeGiB       int32
	VolumeType          string
	IOPS                int32
	Throughput          int32
	Encrypted           bool
	KMSKeyID            string
	DeleteOnTermination bool
}

// LaunchTemplate is a launch template and the data of its (single) version.
type LaunchTemplate struct {
	ID                 string
	Name               string
	ImageID            string
	InstanceType       string
	UserData           string // base64, as sent
	SecurityGroupIDs   []string
	InstanceProfileARN string
	InstanceProfile    string // name, when given by name
	MetadataOptions    MetadataOptions
	BlockDevices       []BlockDevice
	Tags               map[string]string // of the template itself
	InstanceTags       map[string]string // TagSpecifications for instances in the template data
	CreateTime         time.Time
}

// Instance is an EC2 instance.
type Instance struct {
	ID                 string
	InstanceType       string
	Zone               string
	SubnetID           string
	VPCID              string
	ImageID            string
	Lifecycle          string // "spot" or "on-demand"
	LaunchTemplateID   string
	LaunchTemplateName string
	SecurityGroupIDs   []string
	InstanceProfileARN string
	State              string
	LaunchTime         time.Time
	PrivateIP          string
	PrivateDNSName     string
	Architecture       string
	Tags               map[string]string
}

// FleetOverride is one launch template override of a CreateFleet request.
type FleetOverride struct {
	LaunchTemplateID   string
	LaunchTemplateName string
	InstanceType       string
	SubnetID           string
	Zone               string
	ImageID            string
	Priority           float64
}

// FleetError is one error a CreateFleet call reported.
type FleetError struct {
	Code         string
	Message      string
	InstanceType string
	SubnetID     string
	Zone         string
	Lifecycle    string
}

// Fleet is a recorded CreateFleet call.
type Fleet struct {
	ID                  string
	Type                string
	CapacityType        string // DefaultTargetCapacityType
	TotalTargetCapacity int32
	SpotAllocation      string
	OnDemandAllocation  string
	Overrides           []FleetOverride
	Tags                map[string]string // TagSpecifications for "instance" (and "fleet")
	InstanceIDs         []string
	Errors              []FleetError
	CreateTime          time.Time
}

// Role is an IAM role.
type Role struct {
	Name string
	Path string
	ARN  string
	ID   string
	Tags map[string]string
}

// InstanceProfile is an IAM instance profile.
type InstanceProfile struct {
	Name  string
	Path  string
	ARN   string
	ID    string
	Roles []string // role names
	Tags  map[string]string
}

// Message is an SQS message as the server holds it.
type Message struct {
	ID            string
	Body          string
	ReceiveCount  int
	SentTimestamp time.Time
}

// CapacityFault refuses launches matching InstanceType, Zone and CapacityType ("" matches any)
// with Code (InsufficientInstanceCapacity when empty).
type CapacityFault struct {
	InstanceType string
	Zone         string
	CapacityType string
	Code         string
}

// Cluster describes what SeedCluster creates.
type Cluster struct {
	// Name tags subnets and security groups with karpenter.sh/discovery=<Name>, and names the
	// role "KarpenterNodeRole-<Name>" and the queue "<Name>" (the --interruption-queue).
	Name string
	// KubernetesVersion selects the EKS-optimized AL2023 SSM parameters, e.g. "1.37" (the default).
	KubernetesVersion string
}

// Seeded names what SeedCluster created.
type Seeded struct {
	VPCID           string
	SubnetIDs       map[string]string // zone -> subnet ID
	SecurityGroupID string
	// AMIs maps an architecture ("amd64", "arm64") to the AL2023 image the SSM parameter names.
	AMIs     map[string]string
	RoleName string
	QueueURL string
	// SSMParameters are the AL2023 image parameters, name -> image ID.
	SSMParameters map[string]string
}
