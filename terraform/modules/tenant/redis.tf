# Valkey carries the tenant's realtime stream (functions XADD after commit, relays XREAD). Data
# lives in PostgreSQL, so a lost stream entry only delays a notification until the next pull; the
# durability settings below keep such losses to node failures, not restarts.

locals {
  redis_engine_version = coalesce(var.redis_engine_version, var.redis_service == "memorydb" ? "7.3" : "8.0")

  # ElastiCache AUTH tokens belong to the 'default' user; MemoryDB users are account-wide names.
  redis_username = var.redis_service == "memorydb" ? "${local.name}-app" : "default"

  redis_host = var.redis_service == "memorydb" ? aws_memorydb_cluster.this[0].cluster_endpoint[0].address : aws_elasticache_replication_group.this[0].primary_endpoint_address
  redis_port = 6379

  # TLS only. The address alone is an output; the form with credentials is what the services
  # get (Micronaut's redis.uri carries user and password), from the redis secret or encrypted env.
  redis_uri                  = "rediss://${local.redis_host}:${local.redis_port}"
  redis_url_with_credentials = "rediss://${urlencode(local.redis_username)}:${urlencode(random_password.redis.result)}@${local.redis_host}:${local.redis_port}"
  redis_mode                 = var.redis_service == "memorydb" ? "cluster" : "standalone"
}

# --- ElastiCache (default) ----------------------------------------------------------------------

resource "aws_elasticache_subnet_group" "this" {
  count      = var.redis_service == "elasticache" ? 1 : 0
  name       = local.name
  subnet_ids = var.private_subnet_ids
  tags       = local.tags
}

resource "aws_elasticache_parameter_group" "this" {
  count  = var.redis_service == "elasticache" ? 1 : 0
  name   = "${local.name}-valkey${split(".", local.redis_engine_version)[0]}"
  family = "valkey${split(".", local.redis_engine_version)[0]}"
  tags   = local.tags

  # A full node must refuse writes rather than evict stream entries relays have not read yet.
  parameter {
    name  = "maxmemory-policy"
    value = "noeviction"
  }

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_elasticache_replication_group" "this" {
  count = var.redis_service == "elasticache" ? 1 : 0

  replication_group_id = local.name
  description          = "Posduif tenant ${var.tenant_id}: realtime stream"
  engine               = "valkey"
  engine_version       = local.redis_engine_version
  node_type            = var.redis_node_type
  port                 = local.redis_port
  parameter_group_name = aws_elasticache_parameter_group.this[0].name
  subnet_group_name    = aws_elasticache_subnet_group.this[0].name
  security_group_ids   = [aws_security_group.this["redis"].id]

  # Durability: a replica in another AZ takes over automatically; daily snapshots on top.
  num_cache_clusters         = 1 + var.redis_replicas
  automatic_failover_enabled = true
  multi_az_enabled           = true
  snapshot_retention_limit   = var.redis_snapshot_retention_days
  snapshot_window            = "02:00-03:00"
  maintenance_window         = "sun:03:30-sun:04:30"
  final_snapshot_identifier  = "${local.name}-final"

  at_rest_encryption_enabled = true
  kms_key_id                 = aws_kms_key.tenant.arn
  transit_encryption_enabled = true
  auth_token                 = random_password.redis.result
  auto_minor_version_upgrade = true
  apply_immediately          = false

  log_delivery_configuration {
    destination      = aws_cloudwatch_log_group.redis[0].name
    destination_type = "cloudwatch-logs"
    log_format       = "json"
    log_type         = "slow-log"
  }

  tags = local.tags
}

# --- MemoryDB (synchronous durability) ----------------------------------------------------------

resource "aws_memorydb_subnet_group" "this" {
  count      = var.redis_service == "memorydb" ? 1 : 0
  name       = local.name
  subnet_ids = var.private_subnet_ids
  tags       = local.tags
}

resource "aws_memorydb_user" "app" {
  count     = var.redis_service == "memorydb" ? 1 : 0
  user_name = local.redis_username
  # Everything the engine needs (streams, pub/sub, plain keys), minus whole-keyspace wipes and scans.
  access_string = "on ~* &* +@all -flushall -flushdb -keys -debug"

  authentication_mode {
    type      = "password"
    passwords = [random_password.redis.result]
  }

  tags = local.tags
}

resource "aws_memorydb_acl" "this" {
  count      = var.redis_service == "memorydb" ? 1 : 0
  name       = local.name
  user_names = [aws_memorydb_user.app[0].user_name]
  tags       = local.tags
}

resource "aws_memorydb_cluster" "this" {
  count = var.redis_service == "memorydb" ? 1 : 0

  name                       = local.name
  description                = "Posduif tenant ${var.tenant_id}: realtime stream"
  engine                     = "valkey"
  engine_version             = local.redis_engine_version
  node_type                  = var.redis_node_type
  num_shards                 = 1
  num_replicas_per_shard     = var.redis_replicas
  port                       = local.redis_port
  acl_name                   = aws_memorydb_acl.this[0].name
  subnet_group_name          = aws_memorydb_subnet_group.this[0].name
  security_group_ids         = [aws_security_group.this["redis"].id]
  tls_enabled                = true
  kms_key_arn                = aws_kms_key.tenant.arn
  snapshot_retention_limit   = var.redis_snapshot_retention_days
  snapshot_window            = "02:00-03:00"
  maintenance_window         = "sun:03:30-sun:04:30"
  auto_minor_version_upgrade = true
  final_snapshot_name        = "${local.name}-final"

  tags = local.tags
}
