# Inputs of one tenant's Posduif stack. Every variable has a description and a type; the CI check
# (.ci/terraform-check.sh) fails the build when one is missing or when a variable is never used.

# --- Identity and naming -------------------------------------------------------------------

variable "tenant_id" {
  description = "Posduif tenant id. Same rule as the engine: [a-z][a-z0-9_]{0,39}. Its PostgreSQL schema is tenant_<id>."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9_]{0,39}$", var.tenant_id))
    error_message = "tenant_id must match ^[a-z][a-z0-9_]{0,39}$ (lower-case letter first, then letters, digits or underscores)."
  }
}

variable "name_prefix" {
  description = "Prefix of every AWS resource name; the stack is named <name_prefix>-<tenant id with _ replaced by ->."
  type        = string
  default     = "posduif"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,11}$", var.name_prefix))
    error_message = "name_prefix must be 1-12 characters of lower-case letters, digits and '-', starting with a letter (AWS name length limits)."
  }
}

variable "tags" {
  description = "Tags added to every resource that supports tags (in addition to Project, Tenant and ManagedBy)."
  type        = map(string)
  default     = {}
}

# --- Network ----------------------------------------------------------------------------------

variable "vpc_id" {
  description = "VPC the tenant stack runs in."
  type        = string

  validation {
    condition     = can(regex("^vpc-[0-9a-f]+$", var.vpc_id))
    error_message = "vpc_id must look like vpc-0123456789abcdef0."
  }
}

variable "private_subnet_ids" {
  description = "Private subnets (at least two, in different availability zones) for the Lambda functions, RDS, RDS Proxy, Redis and the relay tasks."
  type        = list(string)

  validation {
    condition     = length(var.private_subnet_ids) >= 2 && alltrue([for s in var.private_subnet_ids : can(regex("^subnet-[0-9a-f]+$", s))])
    error_message = "private_subnet_ids needs at least two subnet ids (subnet-...) in different availability zones."
  }
}

variable "public_subnet_ids" {
  description = "Public subnets (at least two) for the relay's internet-facing Application Load Balancer."
  type        = list(string)

  validation {
    condition     = length(var.public_subnet_ids) >= 2 && alltrue([for s in var.public_subnet_ids : can(regex("^subnet-[0-9a-f]+$", s))])
    error_message = "public_subnet_ids needs at least two subnet ids (subnet-...)."
  }
}

variable "create_vpc_endpoints" {
  description = "Create interface endpoints (Secrets Manager, ECR, CloudWatch Logs) and an S3 gateway endpoint so that relay tasks in private subnets without a NAT gateway can pull their image, secrets and ship logs. The functions need no AWS API from the VPC."
  type        = bool
  default     = false
}

variable "private_route_table_ids" {
  description = "Route tables of the private subnets; the S3 gateway endpoint (ECR image layers) is attached to them when create_vpc_endpoints is true."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for r in var.private_route_table_ids : can(regex("^rtb-[0-9a-f]+$", r))])
    error_message = "private_route_table_ids must contain route table ids (rtb-...)."
  }
}

# --- Functions (AWS Lambda) -----------------------------------------------------------------

variable "console_origin" {
  description = "Origin (https://host[:port], no path, no trailing slash) of the web console: the only origin the Function URLs' CORS allows. The console is served by the api function at /, so its own calls are same-origin; this origin is the custom domain (e.g. CloudFront) in front of it, from which the browser calls the Function URLs cross-origin."
  type        = string

  validation {
    condition     = can(regex("^https://[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:[0-9]{1,5})?$", var.console_origin))
    error_message = "console_origin must be an https origin such as https://console.example.com (no path, no trailing slash, no wildcard)."
  }
}

variable "functions_package_s3_bucket" {
  description = "S3 bucket holding the functions deployment jar (the shaded functions-<version>-all.jar)."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.functions_package_s3_bucket))
    error_message = "functions_package_s3_bucket must be a valid S3 bucket name."
  }
}

variable "functions_package_s3_key" {
  description = "S3 key of the functions deployment jar. Change it (or the object version) to deploy a new build; every change publishes a new Lambda version and a new SnapStart snapshot."
  type        = string

  validation {
    condition     = endswith(var.functions_package_s3_key, ".jar") || endswith(var.functions_package_s3_key, ".zip")
    error_message = "functions_package_s3_key must name a .jar or .zip object."
  }
}

variable "functions_package_s3_object_version" {
  description = "S3 object version of the deployment jar, for versioned buckets. Null uses the latest object."
  type        = string
  default     = null
}

variable "lambda_functions" {
  description = "Lambda functions to create from the same jar and handler, keyed by short name. 'api' serves the web console and web API, 'sync' the device endpoints (enrollment, push, pull), so that device load cannot starve the console. reserved_concurrency null means unreserved."
  type = map(object({
    memory_mb            = number
    timeout_seconds      = number
    reserved_concurrency = optional(number)
  }))
  default = {
    api  = { memory_mb = 1024, timeout_seconds = 30 }
    sync = { memory_mb = 2048, timeout_seconds = 60 }
  }

  validation {
    condition     = length(var.lambda_functions) >= 1 && alltrue([for k in keys(var.lambda_functions) : can(regex("^[a-z][a-z0-9-]{0,11}$", k))])
    error_message = "lambda_functions needs at least one entry; keys are 1-12 lower-case letters, digits or '-'."
  }

  validation {
    condition     = alltrue([for f in values(var.lambda_functions) : f.memory_mb >= 512 && f.memory_mb <= 10240 && f.timeout_seconds >= 3 && f.timeout_seconds <= 900])
    error_message = "Each function needs memory_mb in 512..10240 (the JVM needs room) and timeout_seconds in 3..900."
  }

  validation {
    condition     = alltrue([for f in values(var.lambda_functions) : f.reserved_concurrency == null ? true : f.reserved_concurrency >= 1])
    error_message = "reserved_concurrency must be null (unreserved) or at least 1; 0 would disable the function."
  }
}

variable "lambda_architecture" {
  description = "Instruction set of the Lambda functions. SnapStart supports both."
  type        = string
  default     = "arm64"

  validation {
    condition     = contains(["x86_64", "arm64"], var.lambda_architecture)
    error_message = "lambda_architecture must be x86_64 or arm64."
  }
}

variable "lambda_alias_name" {
  description = "Alias that points at the latest published version. Function URLs and SnapStart serve through it, never through $LATEST."
  type        = string
  default     = "live"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,31}$", var.lambda_alias_name)) && var.lambda_alias_name != "latest"
    error_message = "lambda_alias_name must be 1-32 lower-case letters, digits or '-', and not 'latest'."
  }
}

variable "lambda_java_tool_options" {
  description = "JAVA_TOOL_OPTIONS of the functions. The default keeps tiered compilation so that code warmed before the SnapStart checkpoint stays compiled."
  type        = string
  default     = "-XX:+UseSerialGC -XX:+ExitOnOutOfMemoryError"
}

variable "lambda_database_pool_size" {
  description = "JDBC pool size of one function instance (POSDUIF_DATABASE_POOL). A Lambda instance serves one request at a time, so a small pool suffices; RDS Proxy multiplexes all instances onto the database."
  type        = number
  default     = 2

  validation {
    condition     = var.lambda_database_pool_size >= 1 && var.lambda_database_pool_size <= 10
    error_message = "lambda_database_pool_size must be between 1 and 10."
  }
}

variable "public_base_url" {
  description = "Public URL (https, no trailing slash) of the sync function when a custom domain fronts it. Null lets the functions derive their URL from the request host."
  type        = string
  default     = null

  validation {
    condition     = var.public_base_url == null || can(regex("^https://[^/]+(/[^/]+)*$", var.public_base_url))
    error_message = "public_base_url must be null or an https URL without trailing slash."
  }
}

# --- PostgreSQL -------------------------------------------------------------------------------

variable "database_mode" {
  description = "'rds' creates an RDS for PostgreSQL instance for the tenant; 'existing' uses an RDS instance or Aurora cluster given by existing_database_url. Both are reached through RDS Proxy."
  type        = string
  default     = "rds"

  validation {
    condition     = contains(["rds", "existing"], var.database_mode)
    error_message = "database_mode must be 'rds' or 'existing'."
  }
}

variable "database_name" {
  description = "PostgreSQL database that holds the tenant schema."
  type        = string
  default     = "posduif"

  validation {
    condition     = can(regex("^[a-z][a-z0-9_]{0,62}$", var.database_name))
    error_message = "database_name must be a lower-case PostgreSQL identifier."
  }
}

variable "rds_instance_class" {
  description = "Instance class of the RDS instance (database_mode = rds)."
  type        = string
  default     = "db.t4g.medium"

  validation {
    condition     = startswith(var.rds_instance_class, "db.")
    error_message = "rds_instance_class must be an RDS class such as db.t4g.medium."
  }
}

variable "rds_engine_version" {
  description = "PostgreSQL version of the RDS instance (major, or major.minor). The engine needs PostgreSQL 16 or newer (pg_snapshot_xmin, xid8)."
  type        = string
  default     = "17"

  validation {
    condition     = can(regex("^[0-9]{2}(\\.[0-9]+)?$", var.rds_engine_version)) && tonumber(split(".", var.rds_engine_version)[0]) >= 16
    error_message = "rds_engine_version must be PostgreSQL 16 or newer, e.g. 17 or 16.4."
  }
}

variable "rds_allocated_storage_gb" {
  description = "Initial storage of the RDS instance in GiB."
  type        = number
  default     = 20

  validation {
    condition     = var.rds_allocated_storage_gb >= 20 && var.rds_allocated_storage_gb <= 65536
    error_message = "rds_allocated_storage_gb must be between 20 and 65536."
  }
}

variable "rds_max_allocated_storage_gb" {
  description = "Upper bound for RDS storage autoscaling in GiB; must be at least rds_allocated_storage_gb."
  type        = number
  default     = 200

  validation {
    condition     = var.rds_max_allocated_storage_gb >= var.rds_allocated_storage_gb && var.rds_max_allocated_storage_gb <= 65536
    error_message = "rds_max_allocated_storage_gb must be >= rds_allocated_storage_gb and <= 65536."
  }
}

variable "rds_multi_az" {
  description = "Run the RDS instance with a synchronous standby in a second availability zone."
  type        = bool
  default     = true
}

variable "rds_backup_retention_days" {
  description = "Days of automated RDS backups (point-in-time recovery window)."
  type        = number
  default     = 7

  validation {
    condition     = var.rds_backup_retention_days >= 1 && var.rds_backup_retention_days <= 35
    error_message = "rds_backup_retention_days must be between 1 and 35 (0 would disable backups)."
  }
}

variable "rds_deletion_protection" {
  description = "Protect the RDS instance from deletion; a final snapshot is taken on destroy either way."
  type        = bool
  default     = true
}

variable "existing_database_url" {
  description = "database_mode = existing: URL postgresql://<endpoint>:<port>/<database> of an RDS for PostgreSQL instance or Aurora PostgreSQL cluster in this account and region (RDS Proxy can only front those)."
  type        = string
  default     = null

  validation {
    condition = var.database_mode == "existing" ? (
      var.existing_database_url != null && can(regex("^postgres(ql)?://[a-z0-9-]+\\.[a-z0-9.-]+\\.rds\\.amazonaws\\.com(:[0-9]{1,5})?/[A-Za-z_][A-Za-z0-9_]*$", var.existing_database_url))
    ) : var.existing_database_url == null
    error_message = "With database_mode = existing, existing_database_url must be postgresql://<rds or aurora endpoint>[:port]/<database>; with database_mode = rds it must be null."
  }
}

variable "existing_database_credentials_secret_arn" {
  description = "database_mode = existing: Secrets Manager secret with JSON keys username and password of the role the engine uses; RDS Proxy authenticates with it."
  type        = string
  default     = null

  validation {
    condition = var.database_mode == "existing" ? (
      var.existing_database_credentials_secret_arn != null && can(regex("^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:.+$", var.existing_database_credentials_secret_arn))
    ) : var.existing_database_credentials_secret_arn == null
    error_message = "With database_mode = existing, existing_database_credentials_secret_arn must be a Secrets Manager secret ARN; with database_mode = rds it must be null."
  }
}

variable "existing_database_credentials_kms_key_arn" {
  description = "database_mode = existing: KMS key that encrypts existing_database_credentials_secret_arn, when it is a customer-managed key (RDS Proxy and the functions need kms:Decrypt on it). Null for the AWS-managed key."
  type        = string
  default     = null

  validation {
    condition     = var.existing_database_credentials_kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:", var.existing_database_credentials_kms_key_arn))
    error_message = "existing_database_credentials_kms_key_arn must be null or a KMS key ARN."
  }
}

variable "db_proxy_max_connections_percent" {
  description = "Share of the database's max_connections that RDS Proxy may open (Lambda concurrency is multiplexed onto these)."
  type        = number
  default     = 90

  validation {
    condition     = var.db_proxy_max_connections_percent >= 10 && var.db_proxy_max_connections_percent <= 100
    error_message = "db_proxy_max_connections_percent must be between 10 and 100."
  }
}

variable "db_proxy_idle_client_timeout_seconds" {
  description = "Seconds after which RDS Proxy closes an idle client connection. Keep it above the functions' pool idle timeout so that the pool, not the proxy, closes connections."
  type        = number
  default     = 1800

  validation {
    condition     = var.db_proxy_idle_client_timeout_seconds >= 60 && var.db_proxy_idle_client_timeout_seconds <= 28800
    error_message = "db_proxy_idle_client_timeout_seconds must be between 60 and 28800."
  }
}

# --- Redis / Valkey ---------------------------------------------------------------------------

variable "redis_service" {
  description = "'elasticache' (default) runs a Valkey replication group on ElastiCache: Multi-AZ replicas with automatic failover and daily snapshots (ElastiCache offers no AOF for Valkey; replication is its durability). 'memorydb' runs Valkey on Amazon MemoryDB, which acknowledges a write only after its multi-AZ transaction log has it (synchronous durability); MemoryDB is always cluster mode, so the services get POSDUIF_REDIS_MODE=cluster."
  type        = string
  default     = "elasticache"

  validation {
    condition     = contains(["memorydb", "elasticache"], var.redis_service)
    error_message = "redis_service must be 'elasticache' or 'memorydb'."
  }
}

variable "redis_node_type" {
  description = "Node type of the Valkey nodes: cache.* for ElastiCache (e.g. cache.t4g.small), db.* for MemoryDB (e.g. db.t4g.small)."
  type        = string
  default     = "cache.t4g.small"

  validation {
    condition     = var.redis_service == "memorydb" ? startswith(var.redis_node_type, "db.") : startswith(var.redis_node_type, "cache.")
    error_message = "redis_node_type must start with cache. for ElastiCache and db. for MemoryDB."
  }
}

variable "redis_engine_version" {
  description = "Valkey engine version. Null picks 8.0 on ElastiCache and 7.3 on MemoryDB."
  type        = string
  default     = null

  validation {
    condition     = var.redis_engine_version == null || can(regex("^[0-9]+\\.[0-9]+$", var.redis_engine_version))
    error_message = "redis_engine_version must be null or look like 7.3 or 8.0."
  }
}

variable "redis_replicas" {
  description = "Replicas per shard, each in another availability zone. At least one: a primary alone loses the stream on node failure."
  type        = number
  default     = 1

  validation {
    condition     = var.redis_replicas >= 1 && var.redis_replicas <= 5
    error_message = "redis_replicas must be between 1 and 5."
  }
}

variable "redis_snapshot_retention_days" {
  description = "Days of daily Valkey snapshots to keep."
  type        = number
  default     = 7

  validation {
    condition     = var.redis_snapshot_retention_days >= 1 && var.redis_snapshot_retention_days <= 35
    error_message = "redis_snapshot_retention_days must be between 1 and 35."
  }
}

# --- SSE relay (ECS Fargate behind an ALB) ----------------------------------------------------

variable "relay_image" {
  description = "Container image of the SSE relay (built from infra/docker/sse-relay.Dockerfile), pinned by tag or digest."
  type        = string

  validation {
    condition     = can(regex("^[^\\s]+(:[A-Za-z0-9._-]+|@sha256:[0-9a-f]{64})$", var.relay_image)) && !endswith(var.relay_image, ":latest")
    error_message = "relay_image must carry an explicit tag (not :latest) or an @sha256 digest."
  }
}

variable "relay_cpu" {
  description = "Fargate CPU units of one relay task."
  type        = number
  default     = 512

  validation {
    condition     = contains([256, 512, 1024, 2048, 4096], var.relay_cpu)
    error_message = "relay_cpu must be one of 256, 512, 1024, 2048, 4096."
  }
}

variable "relay_memory_mb" {
  description = "Memory of one relay task in MiB (must be a valid Fargate size for relay_cpu)."
  type        = number
  default     = 1024

  validation {
    condition     = var.relay_memory_mb >= 2 * var.relay_cpu && var.relay_memory_mb <= 8 * var.relay_cpu && var.relay_memory_mb % 512 == 0
    error_message = "relay_memory_mb must be a multiple of 512 between 2x and 8x relay_cpu (Fargate sizes)."
  }
}

variable "relay_desired_count" {
  description = "Number of relay tasks. Every task reads the whole stream, so any count works; two or more survive an AZ failure."
  type        = number
  default     = 2

  validation {
    condition     = var.relay_desired_count >= 1 && var.relay_desired_count <= 50
    error_message = "relay_desired_count must be between 1 and 50."
  }
}

variable "relay_architecture" {
  description = "CPU architecture of the relay tasks; the image must be built for it."
  type        = string
  default     = "X86_64"

  validation {
    condition     = contains(["X86_64", "ARM64"], var.relay_architecture)
    error_message = "relay_architecture must be X86_64 or ARM64."
  }
}

variable "relay_java_options" {
  description = "JVM options of the relay container (passed as JDK_JAVA_OPTIONS, which the java launcher reads)."
  type        = string
  default     = "-XX:MaxRAMPercentage=75 -XX:+ExitOnOutOfMemoryError"
}

variable "relay_certificate_arn" {
  description = "ACM certificate for the relay's HTTPS listener (devices send bearer tokens to it, so plain HTTP is not offered)."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:acm:[a-z0-9-]+:[0-9]{12}:certificate/.+$", var.relay_certificate_arn))
    error_message = "relay_certificate_arn must be an ACM certificate ARN."
  }
}

variable "relay_public_url" {
  description = "Public https URL of the relay (the DNS name on relay_certificate_arn that points at the ALB). Handed to devices in app-instructions. Null uses the ALB's DNS name."
  type        = string
  default     = null

  validation {
    condition     = var.relay_public_url == null || can(regex("^https://[^/]+$", var.relay_public_url))
    error_message = "relay_public_url must be null or https://host[:port] without a path."
  }
}

variable "relay_ingress_cidrs" {
  description = "CIDR blocks allowed to reach the relay's load balancer."
  type        = list(string)
  default     = ["0.0.0.0/0"]

  validation {
    condition     = length(var.relay_ingress_cidrs) >= 1 && alltrue([for c in var.relay_ingress_cidrs : can(cidrnetmask(c))])
    error_message = "relay_ingress_cidrs must be a non-empty list of IPv4 CIDR blocks."
  }
}

variable "sse_heartbeat_seconds" {
  description = "Interval of the relay's SSE heartbeat comment (protocol default 15 s). Idle proxies and the ALB drop connections that stay silent longer than their idle timeout."
  type        = number
  default     = 15

  validation {
    condition     = var.sse_heartbeat_seconds >= 5 && var.sse_heartbeat_seconds <= 300
    error_message = "sse_heartbeat_seconds must be between 5 and 300."
  }
}

variable "alb_idle_timeout_seconds" {
  description = "Idle timeout of the relay's ALB. Must exceed the SSE heartbeat with margin (at least twice it), or idle SSE streams are cut between heartbeats."
  type        = number
  default     = 60

  validation {
    condition     = var.alb_idle_timeout_seconds >= 2 * var.sse_heartbeat_seconds && var.alb_idle_timeout_seconds <= 4000
    error_message = "alb_idle_timeout_seconds must be at least twice sse_heartbeat_seconds (a lost heartbeat must not close the stream) and at most 4000."
  }
}

# --- Secrets, logs, alarms --------------------------------------------------------------------

variable "secrets_generation" {
  description = "Generation of the generated secrets (JWT signing key, admin token, Valkey password, and with database_mode = rds the database password). Increase it by one to rotate them all in one apply: secrets, database, functions (new SnapStart version) and relay tasks change together. Rotating the JWT key signs every user and device out."
  type        = number
  default     = 1

  validation {
    condition     = var.secrets_generation >= 1 && floor(var.secrets_generation) == var.secrets_generation
    error_message = "secrets_generation must be a whole number >= 1."
  }
}

variable "kms_deletion_window_days" {
  description = "Waiting period before the tenant's KMS key is deleted after destroy."
  type        = number
  default     = 30

  validation {
    condition     = var.kms_deletion_window_days >= 7 && var.kms_deletion_window_days <= 30
    error_message = "kms_deletion_window_days must be between 7 and 30."
  }
}

variable "log_retention_days" {
  description = "Retention of the CloudWatch log groups (functions and relay)."
  type        = number
  default     = 30

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a value CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, ...)."
  }
}

variable "alarm_sns_topic_arns" {
  description = "SNS topics notified when an alarm fires or recovers. Empty creates the alarms without notifications."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for a in var.alarm_sns_topic_arns : can(regex("^arn:aws[a-z-]*:sns:", a))])
    error_message = "alarm_sns_topic_arns must contain SNS topic ARNs."
  }
}

variable "lambda_error_rate_alarm_percent" {
  description = "Alarm when more than this percentage of a function's invocations fail in two consecutive 5-minute periods."
  type        = number
  default     = 5

  validation {
    condition     = var.lambda_error_rate_alarm_percent > 0 && var.lambda_error_rate_alarm_percent <= 100
    error_message = "lambda_error_rate_alarm_percent must be in (0, 100]."
  }
}
