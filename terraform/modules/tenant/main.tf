# One Posduif tenant: functions on Lambda (Function URLs, SnapStart), PostgreSQL behind RDS Proxy,
# Valkey for the realtime stream, the SSE relay on ECS Fargate behind an ALB, secrets, logs, alarms.
# The stack is per tenant on purpose (DESIGN.md, "dedicated engine per tenant"): nothing here is
# shared with another tenant, so one tenant's load, keys or failure cannot reach another.

data "aws_region" "current" {}
data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}

locals {
  # AWS names allow '-' but not '_' in many places (ElastiCache, ALB, target groups), and some
  # stop at 32 characters (ALB, target group). Long tenant ids are cut and made unique by a hash.
  full_name = "${var.name_prefix}-${replace(var.tenant_id, "_", "-")}"
  name = length(local.full_name) <= 28 ? local.full_name : format(
    "%s-%s", trimsuffix(substr(local.full_name, 0, 23), "-"), substr(md5(local.full_name), 0, 4)
  )

  region     = data.aws_region.current.region
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition

  tags = merge(var.tags, {
    Project   = "posduif"
    Tenant    = var.tenant_id
    ManagedBy = "terraform"
  })

  # Port of the relay's HTTP server; /health is served there too (infra/docker/sse-relay.Dockerfile).
  relay_port = 8081

  relay_url = coalesce(var.relay_public_url, "https://${aws_lb.relay.dns_name}")

  alarm_actions = var.alarm_sns_topic_arns
}

# One customer-managed key per tenant encrypts its secrets, database storage, Valkey data and logs,
# so revoking or deleting the key cuts off exactly this tenant.
resource "aws_kms_key" "tenant" {
  description             = "Posduif tenant ${var.tenant_id}: secrets, database, Valkey and logs"
  deletion_window_in_days = var.kms_deletion_window_days
  enable_key_rotation     = true
  policy                  = data.aws_iam_policy_document.kms.json
  tags                    = local.tags
}

resource "aws_kms_alias" "tenant" {
  name          = "alias/${local.name}"
  target_key_id = aws_kms_key.tenant.key_id
}

data "aws_iam_policy_document" "kms" {
  # Key administration stays with the account (IAM policies decide who); without this statement
  # the key would become unmanageable.
  statement {
    sid       = "AccountAdministers"
    actions   = ["kms:*"]
    resources = ["*"]
    principals {
      type        = "AWS"
      identifiers = ["arn:${local.partition}:iam::${local.account_id}:root"]
    }
  }

  # CloudWatch Logs encrypts this tenant's log groups only.
  statement {
    sid       = "CloudWatchLogsEncryptsTenantLogs"
    actions   = ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"]
    resources = ["*"]
    principals {
      type        = "Service"
      identifiers = ["logs.${local.region}.amazonaws.com"]
    }
    condition {
      test     = "ArnLike"
      variable = "kms:EncryptionContext:aws:logs:arn"
      values   = ["arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:*${local.name}*"]
    }
  }
}
