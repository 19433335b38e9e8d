// The platform's own stops of a running thread, outside the JVM (docs/BENCHMARKS.md, "The platform's floor").
// Build and run: gcc -O2 -o hiccup docs/eval/hiccup.c && taskset -c 1 ./hiccup 60
// Spins reading CLOCK_MONOTONIC; reports, per second, the largest gap between two consecutive reads
// and how many gaps exceeded 100 us and 1 ms. No system calls besides the vDSO clock.
#include <stdio.h>
#include <time.h>
#include <stdlib.h>
static long now(void){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec*1000000000L+t.tv_nsec;}
int main(int c,char**v){int secs=atoi(v[1]);long start=now(),prev=start,sec=start,max=0,n100=0,n1ms=0,tmax=0,t100=0,t1=0;
 for(;;){long t=now();long g=t-prev;prev=t;if(g>max)max=g;if(g>100000)n100++;if(g>1000000)n1ms++;
  if(t-sec>=1000000000L){printf("max_us=%ld over100us=%ld over1ms=%ld\n",max/1000,n100,n1ms);fflush(stdout);
   if(max>tmax)tmax=max;t100+=n100;t1+=n1ms;max=0;n100=0;n1ms=0;sec=t;if(t-start>=secs*1000000000L)break;}}
 printf("TOTAL max_us=%ld over100us=%ld over1ms=%ld\n",tmax/1000,t100,t1);return 0;}
