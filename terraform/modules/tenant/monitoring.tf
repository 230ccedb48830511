# CloudWatch alarms for the parts that page someone: failing or throttled functions, a database
# running out of CPU or disk, Valkey running out of memory (writes would be refused), relays that
# are unhealthy or saturated. Log groups live next to what writes them.

resource "aws_cloudwatch_log_group" "redis" {
  # MemoryDB has no log delivery; ElastiCache sends its slow log here.
  count = var.redis_service == "elasticache" ? 1 : 0

  name              = "/posduif/${local.name}/valkey-slow-log"
  retention_in_days = var.log_retention_days
  kms_key_id        = aws_kms_key.tenant.arn
  tags              = local.tags
}

locals {
  # ElastiCache names replication group members <group id>-001, -002, ...
  redis_member_ids = var.redis_service == "elasticache" ? [for i in range(1, 2 + var.redis_replicas) : format("%s-%03d", local.name, i)] : []

  simple_alarms = merge(
    {
      for k in keys(var.lambda_functions) : "lambda-${k}-throttles" => {
        description = "Function ${k} is throttled: raise its reserved concurrency or the account limit."
        namespace   = "AWS/Lambda"
        metric      = "Throttles"
        dimensions  = { FunctionName = aws_lambda_function.this[k].function_name }
        statistic   = "Sum"
        comparison  = "GreaterThanThreshold"
        threshold   = 0
        periods     = 1
      }
    },
    {
      relay-unhealthy-hosts = {
        description = "A relay task fails its /health check behind the load balancer."
        namespace   = "AWS/ApplicationELB"
        metric      = "UnHealthyHostCount"
        dimensions  = { LoadBalancer = aws_lb.relay.arn_suffix, TargetGroup = aws_lb_target_group.relay.arn_suffix }
        statistic   = "Maximum"
        comparison  = "GreaterThanThreshold"
        threshold   = 0
        periods     = 3
      }
      relay-no-healthy-hosts = {
        description = "No relay task is healthy: devices and web users get no realtime notifications."
        namespace   = "AWS/ApplicationELB"
        metric      = "HealthyHostCount"
        dimensions  = { LoadBalancer = aws_lb.relay.arn_suffix, TargetGroup = aws_lb_target_group.relay.arn_suffix }
        statistic   = "Minimum"
        comparison  = "LessThanThreshold"
        threshold   = 1
        periods     = 2
      }
      relay-elb-5xx = {
        description = "The relay load balancer answers 5xx (no target, or targets failing)."
        namespace   = "AWS/ApplicationELB"
        metric      = "HTTPCode_ELB_5XX_Count"
        dimensions  = { LoadBalancer = aws_lb.relay.arn_suffix }
        statistic   = "Sum"
        comparison  = "GreaterThanThreshold"
        threshold   = 10
        periods     = 2
      }
      relay-cpu = {
        description = "Relay tasks are CPU-saturated: add tasks (relay_desired_count) or CPU."
        namespace   = "AWS/ECS"
        metric      = "CPUUtilization"
        dimensions  = { ClusterName = aws_ecs_cluster.this.name, ServiceName = aws_ecs_service.relay.name }
        statistic   = "Average"
        comparison  = "GreaterThanThreshold"
        threshold   = 80
        periods     = 3
      }
      relay-memory = {
        description = "Relay tasks are close to their memory limit (each SSE connection holds a few KB)."
        namespace   = "AWS/ECS"
        metric      = "MemoryUtilization"
        dimensions  = { ClusterName = aws_ecs_cluster.this.name, ServiceName = aws_ecs_service.relay.name }
        statistic   = "Average"
        comparison  = "GreaterThanThreshold"
        threshold   = 85
        periods     = 3
      }
    },
    var.database_mode == "rds" ? {
      db-cpu = {
        description = "PostgreSQL CPU above 80%."
        namespace   = "AWS/RDS"
        metric      = "CPUUtilization"
        dimensions  = { DBInstanceIdentifier = aws_db_instance.this[0].identifier }
        statistic   = "Average"
        comparison  = "GreaterThanThreshold"
        threshold   = 80
        periods     = 3
      }
      db-free-storage = {
        description = "PostgreSQL has less than 10% of its storage ceiling free."
        namespace   = "AWS/RDS"
        metric      = "FreeStorageSpace"
        dimensions  = { DBInstanceIdentifier = aws_db_instance.this[0].identifier }
        statistic   = "Minimum"
        comparison  = "LessThanThreshold"
        threshold   = var.rds_max_allocated_storage_gb * 1024 * 1024 * 1024 / 10
        periods     = 1
      }
    } : {},
    {
      for id in local.redis_member_ids : "valkey-memory-${id}" => {
        description = "Valkey node ${id} above 80% memory; with noeviction it refuses writes when full."
        namespace   = "AWS/ElastiCache"
        metric      = "DatabaseMemoryUsagePercentage"
        dimensions  = { CacheClusterId = id }
        statistic   = "Maximum"
        comparison  = "GreaterThanThreshold"
        threshold   = 80
        periods     = 2
      }
    },
    var.redis_service == "memorydb" ? {
      valkey-memory = {
        description = "MemoryDB above 80% memory; it refuses writes when full."
        namespace   = "AWS/MemoryDB"
        metric      = "DatabaseMemoryUsagePercentage"
        dimensions  = { ClusterName = aws_memorydb_cluster.this[0].name }
        statistic   = "Maximum"
        comparison  = "GreaterThanThreshold"
        threshold   = 80
        periods     = 2
      }
    } : {},
  )
}

resource "aws_cloudwatch_metric_alarm" "simple" {
  for_each = local.simple_alarms

  alarm_name          = "${local.name}-${each.key}"
  alarm_description   = each.value.description
  namespace           = each.value.namespace
  metric_name         = each.value.metric
  dimensions          = each.value.dimensions
  statistic           = each.value.statistic
  comparison_operator = each.value.comparison
  threshold           = each.value.threshold
  period              = 300
  evaluation_periods  = each.value.periods
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
  tags                = local.tags
}

# Error rate rather than error count: a busy tenant's occasional error must not page, a quiet
# tenant's broken deploy must.
resource "aws_cloudwatch_metric_alarm" "lambda_error_rate" {
  for_each = var.lambda_functions

  alarm_name          = "${local.name}-lambda-${each.key}-error-rate"
  alarm_description   = "More than ${var.lambda_error_rate_alarm_percent}% of ${each.key} invocations fail (unhandled errors, timeouts, init failures after a SnapStart restore)."
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.lambda_error_rate_alarm_percent
  evaluation_periods  = 2
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
  tags                = local.tags

  metric_query {
    id          = "rate"
    expression  = "IF(invocations > 0, 100 * errors / invocations, 0)"
    label       = "Error rate (%)"
    return_data = true
  }

  metric_query {
    id = "errors"
    metric {
      namespace   = "AWS/Lambda"
      metric_name = "Errors"
      dimensions  = { FunctionName = aws_lambda_function.this[each.key].function_name }
      period      = 300
      stat        = "Sum"
    }
  }

  metric_query {
    id = "invocations"
    metric {
      namespace   = "AWS/Lambda"
      metric_name = "Invocations"
      dimensions  = { FunctionName = aws_lambda_function.this[each.key].function_name }
      period      = 300
      stat        = "Sum"
    }
  }
}
