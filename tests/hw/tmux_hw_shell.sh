#!/usr/bin/env bash
# tmux_hw_shell.sh -- the seed's hardware shell example in a real terminal:
# mk-shell starts the hardware actors on the mock HAL by default, `ls
# /node/hardware` lists the four, and the three `call led` lines of seed 002
# (configure pin 8 with one LED, set pixel 0 red, show) each get MSG_LED_OK
# (type 4278190156) from the LED actor; a bad payload gets the original's
# error text; `--hw none` starts none.
# Usage: MK_SHELL=path/to/mk-shell bash tmux_hw_shell.sh
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../shell/tmux_lib.sh"

data="$WORK/data"
mkdir -p "$data"
start s1 "cd $WORK && $MK_SHELL --name hwnode --data-dir $data --no-http --no-listen; echo EXITED \$?"
wait_for "Type 'help' for commands."
line "ls /node/hardware"
wait_line '^/node/hardware/pwm=[0-9]+$'
for a in gpio i2c led; do
    has_line "^/node/hardware/$a=[0-9]+\$" || fail "ls: no /node/hardware/$a"
done
led_dec=$(screen | sed -nE 's|^/node/hardware/led=([0-9]+)$|\1|p' | head -1)
led_id=$(printf '0x%016x' "$led_dec")

line "call led 4278190144 x:08000100"
wait_count "[reply] type=4278190156 from=$led_id size=0 \"\"" 1
line "call led 4278190145 x:0000ff000000"
wait_count "[reply] type=4278190156 from=$led_id size=0 \"\"" 2
line "call led 4278190149"
wait_count "[reply] type=4278190156 from=$led_id size=0 \"\"" 3
line "call led 4278190145 x:0900ff000000"
wait_for "[reply] type=4278190157 from=$led_id size=13 \"invalid index\""
line "call /node/hardware/gpio 4278190112 pin=3"
wait_for "[reply] type=4278190122 from="
has_line 'size=12 "invalid mode"' || fail "gpio: no 'invalid mode' reply"
line "list"
wait_line '^ +/node/hardware/led$'
line "exit"
wait_for "EXITED 0"

start s2 "cd $WORK && $MK_SHELL --hw none --name hwnode --data-dir $data --no-http --no-listen; echo EXITED \$?"
wait_for "Type 'help' for commands."
line "lookup /node/hardware/led"
wait_for "no actor named '/node/hardware/led'"
line "exit"
wait_for "EXITED 0"
echo "PASS: tmux_hw_shell"
