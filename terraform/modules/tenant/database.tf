# PostgreSQL for the tenant, always reached through RDS Proxy: Lambda concurrency can open far more
# connections than PostgreSQL should hold, and the proxy multiplexes them. The engine never relies
# on search_path or session state (DESIGN.md), which keeps proxy connections unpinned.

locals {
  existing_db = var.database_mode == "existing" ? regex(
    "^postgres(?:ql)?://(?P<host>[^:/]+)(?::(?P<port>[0-9]+))?/(?P<database>.+)$",
    var.existing_database_url,
  ) : null

  # RDS endpoints are <instance id>.<hash>.<region>.rds.amazonaws.com; Aurora cluster writer
  # endpoints are <cluster id>.cluster-<hash>.<region>.rds.amazonaws.com.
  existing_db_host_labels = var.database_mode == "existing" ? split(".", local.existing_db.host) : []
  existing_db_is_aurora   = var.database_mode == "existing" ? startswith(local.existing_db_host_labels[1], "cluster-") : false
  existing_db_identifier  = var.database_mode == "existing" ? local.existing_db_host_labels[0] : null

  db_port = var.database_mode == "rds" ? 5432 : tonumber(coalesce(local.existing_db.port, "5432"))
  db_name = var.database_mode == "rds" ? var.database_name : local.existing_db.database

  # RDS Proxy always listens on the engine's default port, whatever the target's port is.
  proxy_port = 5432

  # Clients (functions, relay) connect to the proxy with TLS; the proxy enforces it.
  jdbc_url = "jdbc:postgresql://${aws_db_proxy.this.endpoint}:${local.proxy_port}/${local.db_name}?sslmode=require"
}

resource "aws_db_subnet_group" "this" {
  count      = var.database_mode == "rds" ? 1 : 0
  name       = local.name
  subnet_ids = var.private_subnet_ids
  tags       = local.tags
}

resource "aws_db_parameter_group" "this" {
  count  = var.database_mode == "rds" ? 1 : 0
  name   = "${local.name}-pg${split(".", var.rds_engine_version)[0]}"
  family = "postgres${split(".", var.rds_engine_version)[0]}"
  tags   = local.tags

  parameter {
    name  = "rds.force_ssl"
    value = "1"
  }

  # Slow statements show up in the log group; push and pull are meant to stay far below this.
  parameter {
    name  = "log_min_duration_statement"
    value = "1000"
  }

  # A forgotten transaction holds back pg_snapshot_xmin and therefore every device's pull
  # (DESIGN.md, pull cursor); cut idle transactions after five minutes.
  parameter {
    name  = "idle_in_transaction_session_timeout"
    value = "300000"
  }

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_db_instance" "this" {
  count = var.database_mode == "rds" ? 1 : 0

  identifier     = local.name
  engine         = "postgres"
  engine_version = var.rds_engine_version
  instance_class = var.rds_instance_class
  db_name        = var.database_name
  port           = 5432

  # The functions need the password as configuration (secrets.tf), so Terraform owns it rather
  # than RDS-managed rotation, which would change it behind the functions' back.
  username = local.database_username
  password = random_password.database[0].result

  allocated_storage     = var.rds_allocated_storage_gb
  max_allocated_storage = var.rds_max_allocated_storage_gb
  storage_type          = "gp3"
  storage_encrypted     = true
  kms_key_id            = aws_kms_key.tenant.arn

  multi_az               = var.rds_multi_az
  db_subnet_group_name   = aws_db_subnet_group.this[0].name
  vpc_security_group_ids = [aws_security_group.this["database"].id]
  publicly_accessible    = false
  parameter_group_name   = aws_db_parameter_group.this[0].name

  backup_retention_period    = var.rds_backup_retention_days
  copy_tags_to_snapshot      = true
  deletion_protection        = var.rds_deletion_protection
  skip_final_snapshot        = false
  final_snapshot_identifier  = "${local.name}-final"
  auto_minor_version_upgrade = true
  apply_immediately          = false

  performance_insights_enabled    = true
  performance_insights_kms_key_id = aws_kms_key.tenant.arn
  enabled_cloudwatch_logs_exports = ["postgresql"]

  tags = local.tags
}

data "aws_db_instance" "existing" {
  count                  = var.database_mode == "existing" && !local.existing_db_is_aurora ? 1 : 0
  db_instance_identifier = local.existing_db_identifier
}

data "aws_rds_cluster" "existing" {
  count              = var.database_mode == "existing" && local.existing_db_is_aurora ? 1 : 0
  cluster_identifier = local.existing_db_identifier
}

# --- RDS Proxy ----------------------------------------------------------------------------------

resource "aws_db_proxy" "this" {
  name                   = local.name
  engine_family          = "POSTGRESQL"
  role_arn               = aws_iam_role.db_proxy.arn
  vpc_subnet_ids         = var.private_subnet_ids
  vpc_security_group_ids = [aws_security_group.this["db_proxy"].id]
  require_tls            = true
  idle_client_timeout    = var.db_proxy_idle_client_timeout_seconds
  debug_logging          = false

  auth {
    auth_scheme = "SECRETS"
    description = "Engine credentials"
    iam_auth    = "DISABLED"
    secret_arn  = local.db_secret_arn
  }

  tags = local.tags
}

resource "aws_db_proxy_default_target_group" "this" {
  db_proxy_name = aws_db_proxy.this.name

  connection_pool_config {
    max_connections_percent      = var.db_proxy_max_connections_percent
    max_idle_connections_percent = floor(var.db_proxy_max_connections_percent / 2)
    connection_borrow_timeout    = 30
  }
}

resource "aws_db_proxy_target" "this" {
  db_proxy_name          = aws_db_proxy.this.name
  target_group_name      = aws_db_proxy_default_target_group.this.name
  db_instance_identifier = local.existing_db_is_aurora ? null : (var.database_mode == "rds" ? aws_db_instance.this[0].identifier : data.aws_db_instance.existing[0].db_instance_identifier)
  db_cluster_identifier  = local.existing_db_is_aurora ? data.aws_rds_cluster.existing[0].cluster_identifier : null
}

# The proxy reads the DB secret, and nothing else.
resource "aws_iam_role" "db_proxy" {
  name               = "${local.name}-db-proxy"
  assume_role_policy = data.aws_iam_policy_document.db_proxy_assume.json
  tags               = local.tags
}

data "aws_iam_policy_document" "db_proxy_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["rds.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

data "aws_iam_policy_document" "db_proxy" {
  statement {
    sid       = "ReadDatabaseSecret"
    actions   = ["secretsmanager:GetSecretValue"]
    resources = [local.db_secret_arn]
  }

  dynamic "statement" {
    for_each = length(local.db_secret_kms_key_arns) > 0 ? [1] : []
    content {
      sid       = "DecryptDatabaseSecret"
      actions   = ["kms:Decrypt"]
      resources = local.db_secret_kms_key_arns
      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = ["secretsmanager.${local.region}.amazonaws.com"]
      }
    }
  }
}

resource "aws_iam_role_policy" "db_proxy" {
  name   = "read-database-secret"
  role   = aws_iam_role.db_proxy.id
  policy = data.aws_iam_policy_document.db_proxy.json
}
