#!/usr/bin/env escript
%%! +S 1
%% restart_latency.erl -- the Erlang side of bench/supervision: the same
%% measurement as restart_latency.c on an OTP one_for_one supervisor with one
%% scheduler (+S 1). The driver kills the registered worker, waits until the
%% name points to the replacement, pings it and waits for the pong; the time
%% from the kill to the pong is one sample (see batches/2). Prints one line:
%%   erlang median_ns=<n> p99_ns=<n> n=<count>
-module(restart_latency).
-mode(compile).
-behaviour(supervisor).
-export([main/1, init/1, start_worker/0]).

main(Args) ->
    N = case Args of [A | _] -> list_to_integer(A); _ -> 10000 end,
    %% No per-restart supervisor report: the C supervisor logs nothing either.
    ok = logger:set_primary_config(level, none),
    process_flag(trap_exit, true),
    _ = batches(1000, []),
    Sorted = lists:sort(batches(N, [])),
    Med = lists:nth(N div 2 + 1, Sorted),
    P99 = lists:nth(min(N, (N * 99) div 100 + 1), Sorted),
    io:format("erlang median_ns=~b p99_ns=~b n=~b~n", [Med, P99, N]).

%% OTP's supervisor keeps every restart of the last `period` seconds in a
%% list it walks on each restart, so at thousands of restarts per second
%% that walk would dominate. Each batch of ?BATCH restarts therefore runs on
%% a fresh supervisor (not timed), keeping the history short.
-define(BATCH, 50).

batches(0, Acc) -> Acc;
batches(N, Acc) ->
    {ok, Sup} = supervisor:start_link(?MODULE, sup),
    K = min(N, ?BATCH),
    Acc1 = loop(K, Acc),
    unlink(Sup),
    exit(Sup, shutdown),
    wait_gone(Sup),
    batches(N - K, Acc1).

wait_gone(Pid) ->
    case is_process_alive(Pid) of
        true -> erlang:yield(), wait_gone(Pid);
        false -> ok
    end.

init(sup) ->
    {ok, {#{strategy => one_for_one, intensity => 1000, period => 1},
          [#{id => w, start => {?MODULE, start_worker, []}, restart => permanent}]}}.

start_worker() ->
    Pid = spawn_link(fun worker/0),
    true = register(w, Pid),
    {ok, Pid}.

worker() ->
    receive {ping, From} -> From ! pong, worker() end.

loop(0, Acc) -> Acc;
loop(N, Acc) ->
    Old = whereis(w),
    T0 = erlang:monotonic_time(nanosecond),
    exit(Old, kill),
    New = wait_new(Old),
    New ! {ping, self()},
    receive pong -> ok end,
    T1 = erlang:monotonic_time(nanosecond),
    loop(N - 1, [T1 - T0 | Acc]).

wait_new(Old) ->
    case whereis(w) of
        P when is_pid(P), P =/= Old -> P;
        _ -> erlang:yield(), wait_new(Old)
    end.
