#!/usr/bin/env python3
"""Writes the subscription-filter slots of template.yaml.

CloudFormation has no loop that `sam build` accepts (SAM CLI fails on
AWS::LanguageExtensions' Fn::ForEach, aws/aws-sam-cli#5647), so the template
has SLOTS optional filters: slot i exists when LogGroupNames has an i-th
name. The list is joined, padded with commas and split again, so that
Fn::Select never reads past its end; one more slot's condition refuses a
longer list. The generated lines sit between the BEGIN/END markers.

  scripts/template-slots.py          rewrite template.yaml
  scripts/template-slots.py --check  exit 1 when template.yaml is out of date
"""
import pathlib
import sys

SLOTS = 20
TEMPLATE = pathlib.Path(__file__).resolve().parent.parent / "template.yaml"
PADDED = '!Split [",", !Join ["", [!Join [",", !Ref LogGroupNames], "%s"]]]' % ("," * (SLOTS + 1))


def conditions():
    out = []
    for i in range(SLOTS):
        out.append(f'  HasLogGroup{i + 1:02}: !Not [!Equals [!Select [{i}, {PADDED}], ""]]')
    out.append(f'  TooManyLogGroups: !Not [!Equals [!Select [{SLOTS}, {PADDED}], ""]]')
    return out


def resources():
    out = []
    for i in range(SLOTS):
        n = f"{i + 1:02}"
        out += [
            f"  Subscription{n}:",
            "    Type: AWS::Logs::SubscriptionFilter",
            f"    Condition: HasLogGroup{n}",
            "    DependsOn: LogsInvokePermission",
            "    Properties:",
            f"      LogGroupName: !Select [{i}, {PADDED}]",
            "      FilterPattern: !Ref FilterPattern",
            "      DestinationArn: !GetAtt BridgeFunction.Arn",
        ]
    out += [
        f"  # More than {SLOTS} names: this wait condition times out at once and the",
        "  # stack rolls back, naming it, instead of silently skipping names.",
        "  TooManyLogGroupsHandle:",
        "    Type: AWS::CloudFormation::WaitConditionHandle",
        "    Condition: TooManyLogGroups",
        f"  LogGroupNamesListsMoreThan{SLOTS}:",
        "    Type: AWS::CloudFormation::WaitCondition",
        "    Condition: TooManyLogGroups",
        "    Properties:",
        "      Handle: !Ref TooManyLogGroupsHandle",
        '      Timeout: "1"',
    ]
    return out


def replace(text, name, lines):
    begin = f"  # BEGIN {name} (scripts/template-slots.py)\n"
    end = f"  # END {name}\n"
    head, rest = text.split(begin, 1)
    _, tail = rest.split(end, 1)
    return head + begin + "\n".join(lines) + "\n" + end + tail


def main():
    old = TEMPLATE.read_text()
    new = replace(old, "LOG GROUP SLOT CONDITIONS", conditions())
    new = replace(new, "LOG GROUP SLOTS", resources())
    if "--check" in sys.argv[1:]:
        if new != old:
            print("template.yaml: subscription slots are out of date; run scripts/template-slots.py", file=sys.stderr)
            return 1
        print(f"template.yaml: {SLOTS} subscription slots up to date")
        return 0
    TEMPLATE.write_text(new)
    return 0


if __name__ == "__main__":
    sys.exit(main())
